/**
 * Prints the benchmark's figures as plain-text tables: ceilings, produce throughput with ratios, latency,
 * fetch, cost per million records, and PASS/FAIL against the targets.
 */
import { PRICE_PER_MILLION_DO_REQUESTS, PRICE_PER_MILLION_ROWS_WRITTEN } from './cost.mjs'
import { flowTargets, mb, pct } from './analysis.mjs'

const int = (n) => Math.round(n).toLocaleString('en-US')
const fixed = (n, digits = 1) => n.toFixed(digits)
const ms = (n) => `${n.toFixed(2)} ms`
const usd = (n) => `$${n.toFixed(4)}`
/** "median of N calls (min–max)" for a ceiling measured as repeated calls. */
const spread = (m) => `median of ${m.calls} (${int(Math.min(...m.callRates))}-${int(Math.max(...m.callRates))})`

/** Left-aligns the first column and right-aligns the rest. */
function table(header, rows) {
  const all = [header, ...rows].map((row) => row.map(String))
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)))
  const line = (row) => '  ' + row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')
  return [line(all[0]), line(widths.map((w) => '-'.repeat(w))), ...all.slice(1).map(line)].join('\n')
}

export function printReport({ meta, ceilings, analysis, latency, flow }) {
  const out = []
  out.push(`Kafdo benchmark  ${meta.startedAt}  node ${meta.node}  wrangler ${meta.wrangler}  ${meta.cpus} CPUs`)
  out.push(`Records: ${meta.recordBytes} B JSON each as sent (keyed); MB = 10^6 bytes; all servers are local \`wrangler dev\`.`)

  out.push('\nCeilings (bench/ceiling-worker, same wrangler dev stack and client)')
  out.push(
    table(
      ['ceiling', 'records/s', 'MB/s', 'requests/s', 'notes'],
      [
        ...Object.values(ceilings.httpIn).map((c) => [
          `HTTP in, no-op Worker, batch ${c.batchSize}`,
          int(c.recordsPerSec),
          fixed(c.mbPerSec),
          int(c.requests / (c.elapsedMs / 1000)),
          `${c.concurrency} in flight`,
        ]),
        [
          `HTTP out, pre-built ${ceilings.httpOut.fetchLimit}-record body`,
          int(ceilings.httpOut.recordsPerSec),
          fixed(ceilings.httpOut.mbPerSec),
          int(ceilings.httpOut.requests / (ceilings.httpOut.elapsedMs / 1000)),
          'sequential',
        ],
        ...['rowsOf1', 'rowsOf100'].flatMap((key) => {
          const s = ceilings.sqlite[key]
          const layout = s.rowRecords === 1 ? 'row per record' : `row per ${s.rowRecords} records`
          return [
            [
              `SQLite insert, ${layout}`,
              int(s.insert.recordsPerSec),
              fixed(s.insert.mbPerSec),
              '',
              `${spread(s.insert)}; rowsWritten/record ${fixed(s.insert.rowsWrittenPerRecord, 3)}`,
            ],
            [`SQLite read, ${layout}`, int(s.read.recordsPerSec), fixed(s.read.mbPerSec), '', `${spread(s.read)} of ${int(s.read.records)} records`],
          ]
        }),
        ...(ceilings.hopProduce
          ? [
              [
                'one hop: produce batch 1000 parsed and inserted in a DO',
                int(ceilings.hopProduce.recordsPerSec),
                fixed(ceilings.hopProduce.mbPerSec),
                int(ceilings.hopProduce.requests / (ceilings.hopProduce.elapsedMs / 1000)),
                `${ceilings.hopProduce.concurrency} in flight; a floor, not a ceiling: nothing checked`,
              ],
            ]
          : []),
      ],
    ),
  )

  const produce = analysis.produce
  out.push(`\nProduce throughput (keyed ~1 KB records; each scenario <= ${produce[0].maxMs / 1000} s)`)
  out.push(
    table(
      ['scenario', 'requests', 'records', 'msg/s', 'MB/s', 'ceiling msg/s', 'bound by', 'ratio'],
      produce.map((r) => [
        r.label,
        int(r.requests),
        int(r.records),
        int(r.recordsPerSec),
        fixed(r.mbPerSec),
        int(r.ceiling.recordsPerSec),
        r.ceiling.boundBy,
        pct(r.ratio),
      ]),
    ),
  )

  out.push(
    `\nProduce latency (batch 1, sequential, ${latency.requests} requests): p50 ${ms(latency.p50Ms)}  p99 ${ms(latency.p99Ms)}  mean ${ms(latency.meanMs)}  max ${ms(latency.maxMs)}`,
  )

  const f = analysis.fetch
  out.push(`\nFetch (topic ${f.topic} partition 0 from offset 0, limit=${f.limit}, sequential, following nextOffset)`)
  out.push(
    `  ${int(f.records)} records in ${f.fetches} fetches${f.complete ? '' : ' (time bound hit before the end)'}: ${int(f.recordsPerSec)} records/s, ${fixed(f.mbPerSec)} MB/s` +
      `; ceiling ${int(f.ceiling.recordsPerSec)} records/s (${f.ceiling.boundBy}); ratio ${pct(f.ratio)}`,
  )
  if (f.floor) {
    out.push(
      `  one hop (the same page from a Durable Object over one RPC, interleaved): ${int(f.floor.recordsPerSec)} records/s, ` +
        `${pct(f.floor.ofCeiling)} of the ceiling; Kafdo's fetch is ${pct(f.floor.kafdoShare)} of it`,
    )
  }
  for (const region of f.byRegion) {
    out.push(
      `    range written by ${region.label}: ${int(region.records)} records, ${int(region.recordsPerSec)} records/s, ${fixed(region.mbPerSec)} MB/s`,
    )
  }

  out.push(
    `  fetch cost per million records (derived): ${int(f.cost.doRequestsPerMillion)} DO requests (1 partition RPC per fetch), ` +
      `${fixed(f.cost.rowsWrittenPerMillion, 1)} rows written (activity counters, 1 row update per partition per 10 s), ${usd(f.cost.usdPerMillion)}`,
  )

  out.push(
    `\nCost per million records (list prices: $${PRICE_PER_MILLION_ROWS_WRITTEN.toFixed(2)}/M rows written, $${PRICE_PER_MILLION_DO_REQUESTS.toFixed(2)}/M DO requests)`,
  )
  out.push('  Kafdo rows written are derived from the design (batch rows + 1 producers row per RPC if idempotent);')
  out.push('  DO requests are the partition RPCs counted from the produce responses.')
  out.push(
    table(
      ['scenario', 'DO req/M', 'rows/M plain', 'rows/M idempotent', 'rows/record', '$/M plain', '$/M idempotent', 'stored rows counted/derived'],
      produce.map((r) => [
        r.label,
        int(r.cost.doRequestsPerMillion),
        int(r.cost.rowsWrittenPerMillion.plain),
        int(r.cost.rowsWrittenPerMillion.idempotent),
        `${fixed(r.cost.rowsPerRecord.plain, 4)}/${fixed(r.cost.rowsPerRecord.idempotent, 4)}`,
        usd(r.cost.usdPerMillion.plain),
        usd(r.cost.usdPerMillion.idempotent),
        r.storedBatchRows ? `${int(r.storedBatchRows.counted)}/${int(r.storedBatchRows.derived)}` : 'n/a',
      ]),
    ),
  )

  if (flow) out.push(flowReport(flow))

  out.push('\nTargets')
  for (const t of analysis.targets) out.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.shown} (target ${t.target})`)
  console.log(out.join('\n'))
}

/** The flow section alone (`--only=flow`), with its targets. */
export function printFlow(flow) {
  const out = [flowReport(flow), '\nTargets']
  for (const t of flowTargets(flow)) out.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.shown} (target ${t.target})`)
  console.log(out.join('\n'))
}

/** End-to-end latency, scaling with partitions, memory under a soak. */
function flowReport({ latency, scaling, memory }) {
  const out = []
  out.push(
    `\nEnd-to-end latency (~1 KB records at ${latency.fetch.ratePerSec}/s in requests of ${latency.fetch.perRequest}; from sending the produce to the answer that delivers it)`,
  )
  out.push(
    table(
      ['consumer', 'produced', 'measured', 'p50', 'p99', 'mean', 'max', 'produce ack p50', 'produce ack p99', 'skipped sends'],
      [
        ['long-poll fetch', latency.fetch],
        ['long-poll queue receive + ack', latency.queue],
      ].map(([label, r]) => [
        label,
        int(r.produced),
        int(r.measured),
        ms(r.p50Ms),
        ms(r.p99Ms),
        ms(r.meanMs),
        ms(r.maxMs),
        ms(r.produceLatency.p50Ms),
        ms(r.produceLatency.p99Ms),
        int(r.skippedTicks),
      ]),
    ),
  )
  out.push(
    `\nScaling with partitions (${scaling.producers} producers, 1 request in flight each, batch ${scaling.batchSize}, each request to one partition, ${scaling.maxMs / 1000} s each)`,
  )
  out.push(
    table(
      ['partitions', 'requests', 'msg/s', 'MB/s', 'vs 1 partition'],
      scaling.runs.map((r) => [r.partitions, int(r.requests), int(r.recordsPerSec), fixed(r.mbPerSec), `${fixed(r.vsOnePartition, 2)}x`]),
    ),
  )
  out.push(
    `\nMemory (one partition, produce batch ${memory.batchSize} x2 in flight + a long-poll fetch following the end, ${memory.durationMs / 1000} s, ${memory.samples} samples)` +
      `\n  isolate JS heap used: start ${mb(memory.heapUsedStart)}, peak ${mb(memory.heapUsedPeak)}, end ${mb(memory.heapUsedEnd)}` +
      `; peak first half ${mb(memory.heapUsedPeakFirstHalf)}, second half ${mb(memory.heapUsedPeakSecondHalf)}` +
      `; workerd RSS peak ${mb(memory.rssPeak)}; ${int(memory.produced)} produced, ${int(memory.fetched)} fetched`,
  )
  return out.join('\n')
}

/** Consumer groups (join-to-first-record, commits, rebalance); the queue section prints itself (queue-report.mjs). */
export function printGroupsAndQueues({ groups }) {
  const out = []
  const j = groups.joinToFirstRecord
  out.push(
    `\nConsumer groups (HTTP API; topic ${j.topic} with ${groups.commits.partitions} partitions holding records; section took ${fixed(groups.elapsedSec)} s)`,
  )
  out.push(
    `  Join to first record (${j.groups} fresh groups, 1 member, fetch limit=${j.fetchLimit} from offset 0 on its partitions in parallel):` +
      `\n    total p50 ${ms(j.total.p50Ms)}  p95 ${ms(j.total.p95Ms)}  max ${ms(j.total.maxMs)}` +
      `  (join p50 ${ms(j.join.p50Ms)} p95 ${ms(j.join.p95Ms)}; first fetch p50 ${ms(j.fetch.p50Ms)} p95 ${ms(j.fetch.p95Ms)})`,
  )
  out.push('  Commits (one member owning every partition; derived rows written = 1 offsets row per partition committed)')
  out.push(
    table(
      ['partitions per commit', 'requests', 'p50', 'p99', 'mean', 'in flight', 'commits/s', 'offsets/s'],
      groups.commits.runs.map((r) => [
        r.partitionsPerCommit,
        int(r.latency.requests),
        ms(r.latency.p50Ms),
        ms(r.latency.p99Ms),
        ms(r.latency.meanMs),
        r.throughput.concurrency,
        int(r.throughput.commitsPerSec),
        int(r.throughput.offsetsPerSec),
      ]),
    ),
  )
  const rb = groups.rebalance
  const nm = rb.newMember
  out.push(
    `  Rebalance (Kafka 4's consumer protocol; members heartbeat every ${rb.heartbeatMs} ms, sooner while reconciling, and fetch through the group in between while a producer writes; fresh group per run)`,
  )
  out.push(
    table(
      ['case', 'runs', 'join p50', 'owns its share p50', 'settled p50', 'min', 'max'],
      [
        [
          `member ${rb.members} joins a stable group of ${rb.members - 1}`,
          nm.runs.length,
          ms(nm.join.p50Ms),
          ms(nm.ownShare.p50Ms),
          ms(nm.settle.p50Ms),
          ms(nm.settle.minMs),
          ms(nm.settle.maxMs),
        ],
        [
          `${rb.members} members join at once`,
          rb.eightAtOnce.runs.length,
          ms(rb.eightAtOnce.join.p50Ms),
          '',
          ms(rb.eightAtOnce.settle.p50Ms),
          ms(rb.eightAtOnce.settle.minMs),
          ms(rb.eightAtOnce.settle.maxMs),
        ],
      ],
    ),
  )
  out.push(
    `    records/s fetched by the members whose partitions did not move, while member ${rb.members} joined: ` +
      nm.runs
        .map((r) => `${int(r.unaffectedRecordsPerSecDuring)} (before: ${int(r.unaffectedRecordsPerSecBefore)}, ${r.unaffectedMembers} members)`)
        .join('; ') +
      `; lowest ${int(nm.minUnaffectedRecordsPerSecDuring)}${nm.minUnaffectedRecordsPerSecDuring > 0 ? '' : '  <- DROPPED TO ZERO'}`,
  )

  console.log(out.join('\n'))
}
