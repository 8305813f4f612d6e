/**
 * Scaling with partitions: the same producers (16 loops, one request in flight each, ~1 KB records in
 * batches of 100) writing to topics of 1, 4, 16 and 64 partitions. Each request names one partition
 * (request i goes to partition i mod P), so it is one partition RPC and every partition gets an equal
 * share: what changes is only how many partition objects the load is spread over. On Cloudflare each
 * partition object runs on its own thread somewhere; locally every object shares one workerd process on
 * this machine's cores, so the curve can rise only until those are busy, and must not fall after.
 */
import { request } from './http.mjs'
import { runLoad } from './load.mjs'
import { makeRecord } from './records.mjs'
import { createTopic } from './kafdo.mjs'

const encoder = new TextEncoder()

export async function scalingScenario(base, { partitionCounts, producers, batchSize, maxMs, topicPrefix = 'bench-scale' }) {
  const runs = []
  for (const partitions of partitionCounts) {
    const topic = `${topicPrefix}-${partitions}`
    await createTopic(base, topic, partitions)
    const bodies = Array.from({ length: partitions }, (_, p) =>
      encoder.encode(JSON.stringify({ records: Array.from({ length: batchSize }, (_, n) => ({ ...makeRecord(p * batchSize + n), partition: p })) })),
    )
    const send = async (i) => {
      const body = bodies[i % partitions]
      await request(base, 'POST', `/topics/${topic}/produce-batch`, body)
      return { records: batchSize, bytes: body.length }
    }
    // Untimed: every partition object created and warm.
    for (let p = 0; p < partitions; p++) await send(p)
    const load = await runLoad({ concurrency: producers, maxRequests: Infinity, maxMs, send })
    runs.push({ partitions, topic, ...load })
  }
  const first = runs[0].recordsPerSec
  return {
    producers,
    batchSize,
    maxMs,
    runs: runs.map((run) => ({ ...run, vsOnePartition: run.recordsPerSec / first })),
  }
}
