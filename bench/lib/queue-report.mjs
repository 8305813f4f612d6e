/**
 * Prints the queue section of the report (bench/lib/queues.mjs): receive+ack at each batch size with
 * its derived rows written per message, and dead-letter routing by nack and by lease expiry, each
 * against its target.
 */

/** The targets for the queue section (rows written are per message acked, in steady state). */
export const QUEUE_TARGETS = { receiveAckPerSec: 20_000, rowsPerMessage: 0.05, dlqPerSec: 2_000 }

const int = (n) => Math.round(n).toLocaleString('en-US')
const fixed = (n, digits = 1) => n.toFixed(digits)
const ms = (n) => `${n.toFixed(1)} ms`
const usd = (n) => `$${n.toFixed(3)}`
const verdict = (pass) => (pass ? 'PASS' : 'FAIL')

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => '    ' + cells.map((c, i) => String(c).padEnd(widths[i])).join('  ')
  return [line(headers), ...rows.map(line)].join('\n')
}

/** Whether the receive+ack run and the dead-letter runs meet the targets (the run marked `target`). */
export function queueTargets(queues) {
  const run = queues.receiveAck.find((r) => r.target) ?? queues.receiveAck[queues.receiveAck.length - 1]
  const expiry = queues.dlqExpiry
  return [
    {
      name: `queue receive+ack, ${run.consumers} consumers, ${run.partitions} partitions, max ${run.max}`,
      shown: `${int(run.recordsPerSec)} msg/s`,
      target: `>= ${int(QUEUE_TARGETS.receiveAckPerSec)} msg/s`,
      pass: run.recordsPerSec >= QUEUE_TARGETS.receiveAckPerSec && run.check.ackedAll,
    },
    {
      name: `queue rows written per message (derived), max ${run.max}`,
      shown: fixed(run.cost.rowsWrittenPerRecord, 4),
      target: `<= ${QUEUE_TARGETS.rowsPerMessage}`,
      pass: run.cost.rowsWrittenPerRecord <= QUEUE_TARGETS.rowsPerMessage,
    },
    ...(expiry
      ? [
          {
            name: `dead-letter routing (${int(expiry.leased)} leases expiring), exactly once`,
            shown: `${int(expiry.recordsPerSec)} records/s, ${expiry.verified ? 'each once' : 'MISMATCH'}`,
            target: `>= ${int(QUEUE_TARGETS.dlqPerSec)} records/s`,
            pass: expiry.recordsPerSec >= QUEUE_TARGETS.dlqPerSec && expiry.verified,
          },
        ]
      : []),
  ]
}

export function printQueues(queues) {
  const out = [`\nQueues (HTTP API; ~1 KB records; section took ${fixed(queues.elapsedSec)} s including producing)`]
  const first = queues.receiveAck[0]
  out.push(`  Receive + ack: queue of ${first.partitions} partitions, ${first.consumers} consumers each looping receive(max) + ack of all it got`)
  out.push(
    table(
      ['max', 'records', 'acked', 's', 'msg/s', 'MB/s', 'receive p50/p99', 'ack p50/p99', 'CPU us/msg', 'rows/msg', 'DO req/msg', '$/M msg', 'after'],
      queues.receiveAck.map((q) => [
        q.max,
        int(q.records),
        int(q.acked),
        fixed(q.elapsedMs / 1000, 2),
        int(q.recordsPerSec),
        fixed(q.mbPerSec),
        `${ms(q.receiveLatency.p50Ms)} / ${ms(q.receiveLatency.p99Ms)}`,
        `${ms(q.ackLatency.p50Ms)} / ${ms(q.ackLatency.p99Ms)}`,
        q.cpuUsPerMessage ? `${int(q.cpuUsPerMessage.runtime)} + ${int(q.cpuUsPerMessage.proxy)}` : '',
        fixed(q.cost.rowsWrittenPerRecord, 4),
        fixed(q.cost.doRequestsPerRecord, 4),
        usd(q.cost.usdPerMillion),
        `${q.drained ? 'drained' : 'time bound'}; inFlight ${q.stats.inFlight}, depth ${q.stats.depth} (expected ${q.check.expectedDepth})`,
      ]),
    ),
  )
  out.push(
    '    rows/msg (derived) = 3 per partition that leased records in a receive (its range row, the cursor row, the range row deleted by the ack) / messages',
  )
  out.push('    CPU us/msg: CPU time of the Workers runtime + its HTTP proxy per message acked (steadier than msg/s when the machine is shared)')
  out.push('  Dead-letter routing (retry fixed, delayMs 0, maxAttempts 1: a record dies at its first failure and goes to <name>-dlq)')
  out.push(
    table(
      ['run', 'in flight', 'dead-lettered', 's', 'records/s', 'nack p50/p99', 'rows/record', 'stats.deadLettered', 'check'],
      queues.dlq.map((d) => [
        `nack, ${d.label}`,
        `${d.consumers}x${d.nackConcurrency}`,
        int(d.deadLettered),
        fixed(d.elapsedMs / 1000, 2),
        int(d.recordsPerSec),
        `${ms(d.nackLatency.p50Ms)} / ${ms(d.nackLatency.p99Ms)}`,
        `<= ${fixed(d.cost.rowsWrittenPerRecord, 3)}`,
        int(d.stats.deadLettered),
        d.verified ? 'equal' : 'MISMATCH',
      ]),
    ),
  )
  const e = queues.dlqExpiry
  if (e) {
    out.push(
      `  Lease expiry: ${e.consumers} consumers lease all ${int(e.records)} records (max ${e.max}, visibility ${e.visibilityTimeoutMs} ms; deadlines spread over ${ms(e.leaseSpreadMs)}) and settle none:` +
        `\n    ${int(e.deadLettered)} in the DLQ ${ms(e.routedMs)} after the first deadline (${ms(e.afterLastDeadlineMs)} after the last): ${int(e.recordsPerSec)} records/s;` +
        ` ${e.verified ? 'each once (DLQ count = records leased, depth 0)' : 'MISMATCH'}` +
        `\n    rows written per record (derived): ${fixed(e.cost.rowsWrittenPerRecord, 4)} (source ${int(e.cost.rows.source)}, DLQ ${int(e.cost.rows.dlq)}); ${usd(e.cost.usdPerMillion)} per million`,
    )
  }
  out.push('  Targets')
  for (const t of queueTargets(queues)) out.push(`    ${verdict(t.pass)}  ${t.name}: ${t.shown} (target ${t.target})`)
  console.log(out.join('\n'))
}
