/**
 * Bounded load loops and the arithmetic on their results. Every loop stops by itself at a request
 * count or a deadline, whichever comes first, so a benchmark scenario can never run away.
 */

/**
 * Runs `send(i)` with `concurrency` requests in flight until `maxRequests` have been issued or `maxMs`
 * has passed. `send` resolves `{ records, bytes }` for what the request carried. Resolves the totals and
 * the elapsed wall time of the whole scenario.
 */
export async function runLoad({ concurrency, maxRequests, maxMs, send }) {
  const started = performance.now()
  const deadline = started + maxMs
  let issued = 0
  let records = 0
  let bytes = 0
  const loop = async () => {
    while (issued < maxRequests && performance.now() < deadline) {
      const result = await send(issued++)
      records += result.records
      bytes += result.bytes
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  const elapsedMs = performance.now() - started
  return { requests: issued, records, bytes, elapsedMs, ...rates(records, bytes, elapsedMs) }
}

/** Sends `send(i)` one at a time and records each round trip, for latency percentiles. */
export async function runSequential({ maxRequests, maxMs, send }) {
  const deadline = performance.now() + maxMs
  const latencies = []
  for (let i = 0; i < maxRequests && performance.now() < deadline; i++) {
    const sent = performance.now()
    await send(i)
    latencies.push(performance.now() - sent)
  }
  return { requests: latencies.length, ...percentiles(latencies) }
}

/** Records per second and MB (10^6 bytes) per second. */
export function rates(records, bytes, elapsedMs) {
  const seconds = elapsedMs / 1000
  return { recordsPerSec: records / seconds, mbPerSec: bytes / 1e6 / seconds }
}

/** p50, p99, mean and max of a list of milliseconds (nearest-rank percentiles). */
export function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length
  return { p50Ms: at(50), p99Ms: at(99), meanMs: mean, maxMs: sorted[sorted.length - 1] }
}
