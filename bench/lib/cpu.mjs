/**
 * CPU time used by a server's processes (Linux /proc): user + system seconds of every process in a
 * process group, read before and after a measurement. CPU per request does not inflate when other work
 * shares the machine, as wall time does, so it compares code versions fairly on a busy machine.
 *
 * `wrangler dev` runs two workerd processes: the runtime that runs the Worker and its Durable Objects
 * (one thread: everything Kafdo does in JavaScript shares it) and a proxy in front of it; plus wrangler
 * itself (node), which prints the runtime's logs.
 */
import fs from 'node:fs'

const TICKS_PER_SECOND = 100

function kindOf(pid, comm) {
  if (comm === 'node') return 'wrangler'
  if (!comm.startsWith('workerd')) return 'other'
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--inspector-addr') ? 'runtime' : 'proxy'
  } catch {
    return 'other'
  }
}

/** CPU seconds used so far by each kind of process in the group (runtime, proxy, wrangler, other). */
export function groupCpu(pgid) {
  const totals = { runtime: 0, proxy: 0, wrangler: 0, other: 0, runtimeSys: 0 }
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // gone meanwhile
    }
    const close = stat.lastIndexOf(')')
    const fields = stat.slice(close + 2).split(' ')
    if (Number(fields[2]) !== pgid) continue
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    const kind = kindOf(Number(entry), stat.slice(stat.indexOf('(') + 1, close))
    totals[kind] += (utime + stime) / TICKS_PER_SECOND
    if (kind === 'runtime') totals.runtimeSys += stime / TICKS_PER_SECOND
  }
  return totals
}

/** The CPU seconds used between two `groupCpu` readings, per kind and in all. */
export function cpuSince(before, after) {
  const used = { total: 0 }
  for (const kind of Object.keys(after)) {
    used[kind] = after[kind] - (before[kind] ?? 0)
    if (kind !== 'runtimeSys') used.total += used[kind]
  }
  return used
}
