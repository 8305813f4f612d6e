/**
 * The HTTP producer (`client.producer()`). Like Kafka's idempotent producer it has its own producer id and
 * numbers its requests, so a retried request (after a 503 or a lost response) is recognised by the
 * partition and answered with the original offsets instead of being written twice.
 *
 * A partition refuses a sequence older than the last one it wrote from this producer, so requests to one
 * topic are sent one at a time, in call order (Kafka's `max.in.flight.requests.per.connection=1`): records
 * keep their order and a retry never races a later request. Requests to different topics run in parallel.
 */
import {
  check,
  KafdoError,
  produceRecordSchema,
  topicNameSchema,
  type ProduceBatchResponse,
  type ProduceRecord,
  type RecordMetadata,
} from '../src/protocol/index.js'
import type { HttpCore } from './http.js'

export interface ProducerOptions {
  /** The topic of records that name none. */
  defaultTopic?: string
}

/** A record to send: `topic` may be left out when the producer has a default topic. */
export type ProducerRecord = ProduceRecord & { topic?: string }

interface Addressed {
  topic: string
  record: Record<string, unknown>
}

export class KafdoProducer {
  readonly #http: HttpCore
  readonly #defaultTopic: string | undefined
  readonly #producerId = crypto.randomUUID()
  #sequence = 0
  /** Per topic, the request most recently queued; the next one waits for it. */
  readonly #tails = new Map<string, Promise<void>>()

  constructor(http: HttpCore, options: ProducerOptions = {}) {
    this.#http = http
    this.#defaultTopic = options.defaultTopic
  }

  /** The id the server deduplicates this producer's retries by. */
  get producerId(): string {
    return this.#producerId
  }

  /** Writes one record and returns where it landed. */
  async send(record: ProducerRecord): Promise<RecordMetadata> {
    const { topic, record: body } = this.#address(record, 0)
    return this.#inOrder(topic, (sequence) =>
      this.#http.request<RecordMetadata>({
        method: 'POST',
        path: ['topics', topic, 'produce'],
        body: { ...body, producerId: this.#producerId, sequence },
        idempotent: true,
      }),
    )
  }

  /**
   * Writes records, one request per topic, and returns their metadata in input order. Every record is
   * validated before anything is sent, so a bad record never leaves the other topics half written.
   */
  async sendBatch(records: ProducerRecord[]): Promise<RecordMetadata[]> {
    const addressed = records.map((record, index) => this.#address(record, index))
    const byTopic = new Map<string, number[]>()
    addressed.forEach(({ topic }, index) => byTopic.set(topic, [...(byTopic.get(topic) ?? []), index]))
    const results: RecordMetadata[] = new Array(records.length)
    await Promise.all(
      [...byTopic].map(async ([topic, indexes]) => {
        const { results: written } = await this.#inOrder(topic, (sequence) =>
          this.#http.request<ProduceBatchResponse>({
            method: 'POST',
            path: ['topics', topic, 'produce-batch'],
            body: { records: indexes.map((index) => addressed[index]!.record), producerId: this.#producerId, sequence },
            idempotent: true,
          }),
        )
        indexes.forEach((index, i) => (results[index] = written[i]!))
      }),
    )
    return results
  }

  #address(record: ProducerRecord, index: number): Addressed {
    const { topic = this.#defaultTopic, ...rest } = record
    if (topic === undefined) {
      throw new KafdoError('INVALID_REQUEST', `record ${index} names no topic and the producer has no defaultTopic`, { index })
    }
    return {
      topic: check(topicNameSchema, topic, { at: ['records', index, 'topic'] }),
      record: check(produceRecordSchema, rest, { at: ['records', index] }),
    }
  }

  /** Runs `send` after every earlier request to `topic`, with the next sequence number. */
  #inOrder<T>(topic: string, send: (sequence: number) => Promise<T>): Promise<T> {
    const sequence = this.#sequence++
    const previous = this.#tails.get(topic) ?? Promise.resolve()
    const run = previous.then(() => send(sequence))
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(topic, tail)
    void tail.then(() => {
      if (this.#tails.get(topic) === tail) this.#tails.delete(topic)
    })
    return run
  }
}
