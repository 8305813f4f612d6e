/**
 * Memory under a produce+fetch soak: one partition takes batches of ~1 KB records (2 requests in flight)
 * while a consumer follows its end with long-polling fetches, for `durationMs`. Every `sampleMs` the
 * isolate's JS heap is read over wrangler's inspector (Runtime.getHeapUsage) and workerd's resident set
 * from /proc. Locally the Worker and every Durable Object share one isolate, and this server runs
 * nothing else, so the heap is the partition object's plus the Worker's. Bounded means the second half
 * of the soak peaks no higher than the first half allows (x1.5, for garbage collection's sawtooth).
 */
import fs from 'node:fs'
import { request } from './http.mjs'
import { produceBodies } from './records.mjs'
import { inspectorSession } from './profile.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const BOUND_FACTOR = 1.5

/** Resident set of the process group's workerd, in bytes (undefined without /proc). */
function workerdRss(pgid) {
  try {
    let rss = 0
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      } catch {
        continue
      }
      const close = stat.lastIndexOf(')')
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'workerd') continue
      if (Number(stat.slice(close + 2).split(' ')[2]) !== pgid) continue
      rss += Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
    }
    return rss || undefined
  } catch {
    return undefined
  }
}

export async function memorySoakScenario(server, { topic, durationMs, sampleMs, batchSize }) {
  const session = await inspectorSession(server.inspectorPort)
  const bodies = produceBodies(batchSize, 8)
  const samples = []
  let produced = 0
  let fetched = 0
  const started = performance.now()
  const deadline = started + durationMs
  try {
    const producer = async () => {
      for (let i = 0; performance.now() < deadline; i++) {
        await request(server.base, 'POST', `/topics/${topic}/produce-batch`, bodies[i % bodies.length].bytes)
        produced += batchSize
      }
    }
    const consumer = async () => {
      let offset = 0
      while (performance.now() < deadline) {
        const res = await request(server.base, 'GET', `/topics/${topic}/partitions/0/messages?offset=${offset}&limit=1000&maxWaitMs=200`)
        const text = res.body.toString('latin1', Math.max(0, res.body.length - 200))
        const next = Number(/"nextOffset":(\d+)/.exec(text)?.[1])
        fetched += next - offset
        offset = next
      }
    }
    const sampler = async () => {
      while (performance.now() < deadline) {
        const heap = await session.send('Runtime.getHeapUsage')
        samples.push({ atMs: performance.now() - started, heapUsed: heap.usedSize, heapTotal: heap.totalSize, rss: workerdRss(server.pid) })
        await sleep(sampleMs)
      }
    }
    await Promise.all([producer(), producer(), consumer(), sampler()])
  } finally {
    session.close()
  }
  const half = durationMs / 2
  const peak = (list, key) => Math.max(...list.map((s) => s[key] ?? 0))
  const first = samples.filter((s) => s.atMs < half)
  const second = samples.filter((s) => s.atMs >= half)
  return {
    topic,
    durationMs,
    batchSize,
    produced,
    fetched,
    samples: samples.length,
    heapUsedStart: samples[0]?.heapUsed,
    heapUsedPeak: peak(samples, 'heapUsed'),
    heapUsedEnd: samples.at(-1)?.heapUsed,
    heapUsedPeakFirstHalf: peak(first, 'heapUsed'),
    heapUsedPeakSecondHalf: peak(second, 'heapUsed'),
    rssPeak: peak(samples, 'rss') || undefined,
    bounded: peak(second, 'heapUsed') <= peak(first, 'heapUsed') * BOUND_FACTOR,
    boundFactor: BOUND_FACTOR,
    series: samples.map((s) => ({ atMs: Math.round(s.atMs), heapUsed: s.heapUsed, rss: s.rss })),
  }
}
