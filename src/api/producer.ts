/**
 * The in-Worker producer (`createProducer(env, config?)`), a thin façade over the produce service as
 * kafkajs's producer is over its cluster. Every producer is idempotent: it has its own producer id and
 * numbers its requests, so the retries it makes on retriable errors never write a record twice. With
 * `batchSize` or `lingerMs`, `send` buffers records and writes them together, as Kafka's
 * `batch.size`/`linger.ms` do.
 */
import { DEFAULT_TENANT } from '../core/object-names.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import { topicRecordSchema, type RecordMetadata, type TopicRecord } from '../protocol/records.js'
import { check } from '../protocol/validation.js'
import { assertProducible, assertValidRecord, produce, type ValidRecord } from '../services/produce.js'
import { withRetries } from './retry.js'

export interface ProducerConfig {
  clientId?: string
  /** Buffer up to this many records before writing (default: write on every `send`). */
  batchSize?: number
  /** Wait up to this long for a buffer to fill before writing it. */
  lingerMs?: number
  /** Accepted for compatibility: every write is durable before it is acknowledged (Kafka's acks=all). */
  acks?: 0 | 1 | 'all' | -1
  /** Retries of a retriable failure (default 3); safe because requests are idempotent. */
  retries?: number
}

interface Pending {
  record: TopicRecord & ValidRecord
  resolve: (metadata: RecordMetadata) => void
  reject: (error: unknown) => void
}

/** A topic's records waiting for its request in flight to finish. */
interface TopicLane {
  inFlight: boolean
  queue: Pending[]
}

export class Producer {
  readonly #env: KafdoBindings
  readonly #tenant: string
  readonly #config: ProducerConfig
  readonly #producerId = crypto.randomUUID()
  #sequence = 0
  #buffer: Pending[] = []
  #lingerTimer: ReturnType<typeof setTimeout> | undefined
  #inFlight = new Set<Promise<void>>()
  #lanes = new Map<string, TopicLane>()
  #closed = false

  constructor(env: KafdoBindings, config: ProducerConfig = {}, tenant = DEFAULT_TENANT) {
    this.#env = env
    this.#config = config
    this.#tenant = tenant
  }

  /** Writes one record; with batching on, resolves when the batch holding it is written. */
  async send(record: TopicRecord): Promise<RecordMetadata> {
    this.#assertOpen()
    const valid = validate(record, 0)
    if (!this.#batching()) return (await this.#write([valid]))[0]!
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.#buffer.push({ record: valid, resolve, reject })
      if (this.#buffer.length >= (this.#config.batchSize ?? Number.POSITIVE_INFINITY)) this.#flushBuffer()
      else this.#lingerTimer ??= setTimeout(() => this.#flushBuffer(), this.#config.lingerMs ?? 0)
    })
  }

  /** Writes records at once (bypassing the buffer); each topic's records go in one request. */
  async sendBatch(records: TopicRecord[]): Promise<RecordMetadata[]> {
    this.#assertOpen()
    return this.#write(records.map(validate))
  }

  /** Writes whatever is buffered and waits for every write in flight. */
  async flush(): Promise<void> {
    this.#flushBuffer()
    await Promise.allSettled([...this.#inFlight])
  }

  async close(): Promise<void> {
    await this.flush()
    this.#closed = true
  }

  #batching(): boolean {
    return this.#config.batchSize !== undefined || this.#config.lingerMs !== undefined
  }

  #flushBuffer(): void {
    clearTimeout(this.#lingerTimer)
    this.#lingerTimer = undefined
    const batch = this.#buffer
    this.#buffer = []
    if (batch.length === 0) return
    this.#write(batch.map((pending) => pending.record)).then(
      (results) => batch.forEach((pending, i) => pending.resolve(results[i]!)),
      (error: unknown) => batch.forEach((pending) => pending.reject(error)),
    )
  }

  /**
   * Writes records through one lane per topic. A partition refuses an idempotent sequence older than one
   * it has seen, so a topic's requests go one at a time, in order; records sent while one is in flight
   * wait and then go together in the next request (as Kafka's record accumulator batches them).
   */
  #write(records: Array<TopicRecord & ValidRecord>): Promise<RecordMetadata[]> {
    const results = records.map(
      (record) =>
        new Promise<RecordMetadata>((resolve, reject) => {
          let lane = this.#lanes.get(record.topic)
          if (!lane) this.#lanes.set(record.topic, (lane = { inFlight: false, queue: [] }))
          lane.queue.push({ record, resolve, reject })
        }),
    )
    for (const topic of new Set(records.map((record) => record.topic))) void this.#drain(topic)
    const all = Promise.all(results)
    const settled = all.then(
      () => {},
      () => {},
    )
    this.#inFlight.add(settled)
    void settled.finally(() => this.#inFlight.delete(settled))
    return all
  }

  async #drain(topic: string): Promise<void> {
    const lane = this.#lanes.get(topic)
    if (!lane || lane.inFlight || lane.queue.length === 0) return
    const batch = lane.queue
    lane.queue = []
    lane.inFlight = true
    const idempotence = { producerId: this.#producerId, sequence: this.#sequence++ }
    try {
      const written = await withRetries(this.#config.retries ?? 3, () =>
        produce(
          this.#env,
          this.#tenant,
          topic,
          batch.map((pending) => withoutTopic(pending.record)),
          idempotence,
        ),
      )
      batch.forEach((pending, i) => pending.resolve(written[i]!))
    } catch (err) {
      for (const pending of batch) pending.reject(err)
    } finally {
      lane.inFlight = false
      if (lane.queue.length > 0) void this.#drain(topic)
      else this.#lanes.delete(topic)
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new KafdoError('INVALID_REQUEST', 'the producer is closed')
  }
}

export function createProducer(env: KafdoBindings, config?: ProducerConfig): Producer {
  return new Producer(env, config)
}

/**
 * Refuses a bad record (or one for an internal topic) before anything is buffered or written, so it
 * cannot fail the records buffered with it, and a `sendBatch` across topics is refused whole.
 */
function validate(record: TopicRecord, index: number): TopicRecord & ValidRecord {
  const valid = check(topicRecordSchema, record, { at: ['records', index] }) as TopicRecord & ValidRecord
  assertProducible(valid.topic)
  assertValidRecord(valid, index)
  return valid
}

function withoutTopic({ topic: _topic, ...record }: TopicRecord & ValidRecord): ValidRecord {
  return record
}
