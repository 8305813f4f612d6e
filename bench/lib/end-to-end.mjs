/**
 * End-to-end latency: a producer writes ~1 KB records at a steady rate (1,000 a second by default: a
 * 10-record request every 10 ms, since single-record requests at 1,000 a second would be over the local
 * HTTP stack's request rate), and a consumer waits for them with a long poll, either
 *   - a fetch (`GET /topics/:t/partitions/0/messages?offset=…&maxWaitMs=…`, following `nextOffset`), or
 *   - a queue receive (`POST /queues/:name/receive {consumerId, max, waitMs}`, each answer acked).
 * A record's latency is the time from sending the produce request that carried it to the arrival of the
 * answer that delivered it, both taken in this process. The first `warmupMs` are not counted. A send
 * that falls due while 4 produce requests are still unanswered is skipped and counted (`skippedTicks`):
 * an overloaded machine shows as a lower rate, not as a queue growing inside the benchmark.
 */
import { request } from './http.mjs'
import { percentiles } from './load.mjs'
import { makeRecord } from './records.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Sends `perRequest` records every `intervalMs` until `stop()`; `sentAt(id)` is when record `id` left. */
function steadyProducer(base, path, wrap, { perRequest, intervalMs, maxInFlight = 4 }) {
  const sent = new Map()
  const roundTrips = []
  let stopped = false
  let inFlight = 0
  let next = 0
  let skipped = 0
  const loop = (async () => {
    const started = performance.now()
    for (let tick = 0; !stopped; tick++) {
      const due = started + tick * intervalMs
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      if (inFlight >= maxInFlight) {
        skipped++
        continue
      }
      const records = Array.from({ length: perRequest }, () => makeRecord(next++))
      const at = performance.now()
      for (const record of records) sent.set(record.value.id, at)
      inFlight++
      request(base, 'POST', path, Buffer.from(JSON.stringify(wrap(records))))
        .then(() => roundTrips.push(performance.now() - at))
        .finally(() => inFlight--)
    }
  })()
  return {
    sentAt: (id) => sent.get(id),
    stop: async () => {
      stopped = true
      await loop
      while (inFlight > 0) await sleep(5)
      return { produced: next, skippedTicks: skipped, produceLatency: percentiles(roundTrips) }
    },
  }
}

/** Latency of records produced to partition 0 of `topic` and read by a long-polling fetch. */
export async function fetchLatencyScenario(base, { topic, ratePerSec, perRequest, durationMs, warmupMs, maxWaitMs }) {
  return measure(
    base,
    { ratePerSec, perRequest, durationMs, warmupMs },
    {
      producePath: `/topics/${topic}/produce-batch`,
      wrap: (records) => ({ records: records.map((record) => ({ ...record, partition: 0 })) }),
      consumer: async (until, deliver) => {
        let offset = 'latest'
        while (!until()) {
          const res = await request(base, 'GET', `/topics/${topic}/partitions/0/messages?offset=${offset}&limit=1000&maxWaitMs=${maxWaitMs}`)
          const arrived = performance.now()
          const page = JSON.parse(res.body.toString('utf8'))
          for (const message of page.messages) deliver(message.value.id, arrived)
          offset = page.nextOffset
        }
      },
    },
  )
}

/** Latency of records produced to a 1-partition queue and received by a long-polling consumer that acks. */
export async function queueLatencyScenario(base, { name, ratePerSec, perRequest, durationMs, warmupMs, maxWaitMs }) {
  return measure(
    base,
    { ratePerSec, perRequest, durationMs, warmupMs },
    {
      producePath: `/queues/${name}/messages`,
      wrap: (records) => ({ messages: records }),
      consumer: async (until, deliver) => {
        const consumerId = 'bench-latency'
        while (!until()) {
          const body = Buffer.from(JSON.stringify({ consumerId, max: 100, waitMs: maxWaitMs }))
          const res = await request(base, 'POST', `/queues/${name}/receive`, body)
          const arrived = performance.now()
          const { messages } = JSON.parse(res.body.toString('utf8'))
          for (const message of messages) deliver(message.value.id, arrived)
          if (messages.length > 0) {
            const leaseIds = messages.map((m) => m.leaseId)
            await request(base, 'POST', `/queues/${name}/ack`, Buffer.from(JSON.stringify({ consumerId, leaseIds })))
          }
        }
      },
    },
  )
}

async function measure(base, { ratePerSec, perRequest, durationMs, warmupMs }, { producePath, wrap, consumer }) {
  const intervalMs = (1000 * perRequest) / ratePerSec
  const latencies = []
  let delivered = 0
  let stopConsumer = false
  let producer
  const countFrom = performance.now() + warmupMs
  const consuming = consumer(
    () => stopConsumer,
    (id, arrived) => {
      delivered++
      const sentAt = producer?.sentAt(id)
      if (sentAt !== undefined && sentAt >= countFrom) latencies.push(arrived - sentAt)
    },
  )
  await sleep(200) // the consumer's first long poll is waiting before anything is produced
  producer = steadyProducer(base, producePath, wrap, { perRequest, intervalMs })
  await sleep(warmupMs + durationMs)
  const { produced, skippedTicks, produceLatency } = await producer.stop()
  const drainUntil = performance.now() + 3_000
  while (delivered < produced && performance.now() < drainUntil) await sleep(20)
  stopConsumer = true
  await consuming
  return {
    ratePerSec,
    perRequest,
    durationMs,
    produced,
    delivered,
    skippedTicks,
    produceLatency,
    measured: latencies.length,
    ...percentiles(latencies),
  }
}
