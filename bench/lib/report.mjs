/**
 * Prints the benchmark's figures as plain-text tables: ceilings, produce throughput with ratios, latency,
 * fetch, cost per million records, and PASS/FAIL against the targets.
 */
import { PRICE_PER_MILLION_DO_REQUESTS, PRICE_PER_MILLION_ROWS_WRITTEN } from './cost.mjs'
import { pct } from './analysis.mjs'

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

export function printReport({ meta, ceilings, analysis, latency }) {
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
        [`HTTP out, pre-built ${ceilings.httpOut.fetchLimit}-record body`, int(ceilings.httpOut.recordsPerSec), fixed(ceilings.httpOut.mbPerSec), int(ceilings.httpOut.requests / (ceilings.httpOut.elapsedMs / 1000)), 'sequential'],
        ...['rowsOf1', 'rowsOf100'].flatMap((key) => {
          const s = ceilings.sqlite[key]
          const layout = s.rowRecords === 1 ? 'row per record' : `row per ${s.rowRecords} records`
          return [
            [`SQLite insert, ${layout}`, int(s.insert.recordsPerSec), fixed(s.insert.mbPerSec), '', `${spread(s.insert)}; rowsWritten/record ${fixed(s.insert.rowsWrittenPerRecord, 3)}`],
            [`SQLite read, ${layout}`, int(s.read.recordsPerSec), fixed(s.read.mbPerSec), '', `${spread(s.read)} of ${int(s.read.records)} records`],
          ]
        }),
      ],
    ),
  )

  const produce = analysis.produce
  out.push(`\nProduce throughput (keyed ~1 KB records; each scenario <= ${produce[0].maxMs / 1000} s)`)
  out.push(
    table(
      ['scenario', 'requests', 'records', 'msg/s', 'MB/s', 'ceiling msg/s', 'bound by', 'ratio'],
      produce.map((r) => [r.label, int(r.requests), int(r.records), int(r.recordsPerSec), fixed(r.mbPerSec), int(r.ceiling.recordsPerSec), r.ceiling.boundBy, pct(r.ratio)]),
    ),
  )

  out.push(`\nProduce latency (batch 1, sequential, ${latency.requests} requests): p50 ${ms(latency.p50Ms)}  p99 ${ms(latency.p99Ms)}  mean ${ms(latency.meanMs)}  max ${ms(latency.maxMs)}`)

  const f = analysis.fetch
  out.push(`\nFetch (topic ${f.topic} partition 0 from offset 0, limit=${f.limit}, sequential, following nextOffset)`)
  out.push(
    `  ${int(f.records)} records in ${f.fetches} fetches${f.complete ? '' : ' (time bound hit before the end)'}: ${int(f.recordsPerSec)} records/s, ${fixed(f.mbPerSec)} MB/s` +
      `; ceiling ${int(f.ceiling.recordsPerSec)} records/s (${f.ceiling.boundBy}); ratio ${pct(f.ratio)}`,
  )
  for (const region of f.byRegion) {
    out.push(`    range written by ${region.label}: ${int(region.records)} records, ${int(region.recordsPerSec)} records/s, ${fixed(region.mbPerSec)} MB/s`)
  }

  out.push(`\nCost per million records (list prices: $${PRICE_PER_MILLION_ROWS_WRITTEN.toFixed(2)}/M rows written, $${PRICE_PER_MILLION_DO_REQUESTS.toFixed(2)}/M DO requests)`)
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

  out.push('\nTargets')
  for (const t of analysis.targets) out.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.shown} (target ${t.target})`)
  console.log(out.join('\n'))
}
