/**
 * Writes dead records to `<topic>-dlq` in batches, exactly once. Records that die together (an expired
 * lease's range, a nack, the undeliverable records of one receive) share a dead-letter sequence number,
 * given in the transaction that marked them dead, so the sequence orders deaths. A batch is every dead
 * range up to some sequence: its bound is stored (`dlq_batch_through`) before anything is sent, the
 * batch is written with the idempotent producer `dlq/<topicId>/<partition>` and that bound as its
 * sequence, and only then are its ranges forgotten. A pass that is repeated (alarms are at-least-once)
 * or that stopped after the write sends the same records under the same sequence again, and the DLQ
 * partition answers with the first write's offsets; records that died meanwhile wait for the next batch.
 *
 * A record is copied with its key, value and headers. One whose stored text cannot be read as a record
 * (the reason it was dead-lettered as undeliverable) is copied as that text, a string value, so routing
 * never stops on it and nothing stored is lost.
 */
import { partitionForKey } from '../core/murmur2.js'
import { encodeRecordBody, utf8Length } from '../core/record-codec.js'
import { parseRecordText, recordTimestamp, type RecordText } from '../core/record-texts.js'
import type { KafdoEnv } from '../env.js'
import { ERROR_CODES } from '../protocol/errors.js'
import { MAX_MESSAGE_BYTES_CEILING } from '../protocol/limits.js'
import type { EncodedRecord } from '../protocol/partition-rpc.js'
import { DLQ_HEADERS, DLQ_SUFFIX } from '../protocol/queues.js'
import type { FetchedRecord } from '../protocol/records.js'
import type { TopicMetadata } from '../protocol/topics.js'
import type { Delivery, GroupRange } from '../storage/delivery-store.js'
import type { PartitionMeta } from '../storage/partition-store.js'
import { attempt, attemptResult, metadataStub, partitionStub } from './object-calls.js'

/** A batch is cut after the dead ranges that bring it to this many records or characters (at least one range). */
export const DLQ_BATCH_RECORDS = 1000
export const DLQ_BATCH_CHARS = 4 * 1024 * 1024

/** Where a dead record went in the DLQ; `offset` is null when an earlier pass wrote it. */
export interface DeadLettered {
  delivery: Delivery
  dlq: { topic: string; partition: number; offset: number | null }
}

export interface DeadLetterSource {
  meta: PartitionMeta
  env: KafdoEnv
  /** The bound of the batch being written, if a pass stopped before finishing it. */
  batchThrough(): number | null
  /** Stores the bound of the batch about to be written. */
  startBatch(through: number): void
  /** Dead ranges waiting for the DLQ, in the order they died (with `through`, those of that batch). */
  pending(through?: number): GroupRange[]
  /** The stored records among `first..last` (those retention has not removed). */
  records(first: number, last: number): RecordText[]
  /** The batch is in the DLQ (`written`: the records that were still stored): forget its ranges. */
  finish(ranges: GroupRange[], written: DeadLettered[]): void
  /** The DLQ refuses these records for good (logged): forget them without writing them. */
  drop(group: string, first: number, last: number): void
}

/**
 * Writes a partition's pending dead records to the DLQ, one pass at a time: a caller arriving during a
 * pass waits for it, and the pass goes round again for records that died meanwhile. Sequential passes
 * keep the DLQ writes in sequence order, which the idempotent producer's deduplication relies on. The
 * partition says when records die (`notify`), so an operation that killed none does not look for any.
 */
export class DeadLetterDrain {
  /** The partition's side of a pass; none while the partition is not open (nothing can have died). */
  readonly #source: () => DeadLetterSource | undefined
  #routing: Promise<boolean> | undefined
  /** Dead records may be waiting: at first (a crash may have left some), and after every death. */
  #pending = true
  /** The DLQ topic, once known (forgotten when a write finds it gone). */
  readonly #topic: DlqTopicCache = {}

  constructor(source: () => DeadLetterSource | undefined) {
    this.#source = source
  }

  /** Records died (or may have): the next drain looks for them. */
  notify(): void {
    this.#pending = true
  }

  /** Resolves false when a record could not be written yet: drain again later. */
  drain(): Promise<boolean> {
    // A pass under way may be past its last look for new deaths: go again after it if one is pending.
    if (this.#routing) return this.#routing.then((done) => (done && this.#pending ? this.drain() : done))
    if (!this.#pending) return Promise.resolve(true)
    this.#routing = (async () => {
      while (this.#pending) {
        this.#pending = false
        if (await this.#route()) continue
        this.#pending = true
        return false
      }
      return true
    })().finally(() => {
      this.#routing = undefined
    })
    return this.#routing
  }

  async #route(): Promise<boolean> {
    try {
      const source = this.#source()
      return source ? await routeDeadLetters(source, this.#topic) : true
    } catch (err) {
      console.error(JSON.stringify({ level: 'warn', message: 'dead-letter routing failed; will retry', error: (err as Error).message }))
      return false
    }
  }
}

/** The DLQ topic's metadata, kept between passes. */
export interface DlqTopicCache {
  dlq?: TopicMetadata
}

/** Routes every pending dead record, batch by batch; returns false if a batch could not be written yet (retry later). */
export async function routeDeadLetters(source: DeadLetterSource, topic: DlqTopicCache = {}): Promise<boolean> {
  for (;;) {
    const stopped = source.batchThrough()
    const batch = stopped === null ? nextBatch(source) : { through: stopped, ranges: withRecords(source, source.pending(stopped)) }
    if (batch === undefined) return true
    if (stopped === null) source.startBatch(batch.through)
    if (batch.ranges.length === 0) {
      source.finish([], [])
      continue
    }
    topic.dlq ??= await ensureDlqTopic(source)
    const written = await writeBatch(source, topic.dlq, batch.ranges, batch.through)
    if (written === 'retry') {
      // The topic may have been deleted (and created again): look it up afresh next time.
      delete topic.dlq
      return false
    }
    if ('refused' in written) {
      // A record the DLQ refuses for good does not hold up the others: it leaves, and the batch goes again.
      const refused = written.refused
        ? [written.refused]
        : batch.ranges.map((b) => ({ group: b.range.group, first: b.range.first, last: b.range.last }))
      for (const r of refused) source.drop(r.group, r.first, r.last)
      continue
    }
    source.finish(
      batch.ranges.map((b) => b.range),
      written,
    )
  }
}

type BatchRange = { range: GroupRange; records: RecordText[] }

function withRecords(source: DeadLetterSource, ranges: readonly GroupRange[]): BatchRange[] {
  return ranges.map((range) => ({ range, records: source.records(range.first, range.last) }))
}

/** The next batch: the oldest dead ranges, whole sequences, up to the batch limits (at least one sequence). */
function nextBatch(source: DeadLetterSource): { through: number; ranges: BatchRange[] } | undefined {
  const ranges: BatchRange[] = []
  let through: number | undefined
  let records = 0
  let chars = 0
  for (const range of source.pending()) {
    if (through !== undefined && range.dlqSequence !== through && (records >= DLQ_BATCH_RECORDS || chars >= DLQ_BATCH_CHARS)) break
    through = range.dlqSequence!
    const stored = source.records(range.first, range.last)
    ranges.push({ range, records: stored })
    records += stored.length
    for (const record of stored) chars += record.text.length
  }
  return through === undefined ? undefined : { through, ranges }
}

/** Sends one batch, one append per DLQ partition, all under the batch's sequence. */
async function writeBatch(
  source: DeadLetterSource,
  dlq: TopicMetadata,
  ranges: readonly BatchRange[],
  sequence: number,
): Promise<DeadLettered[] | 'retry' | { refused: { group: string; first: number; last: number } | null }> {
  const { meta } = source
  const producerId = `dlq/${meta.topicId}/${meta.partition}`
  const byPartition = new Map<number, Array<{ delivery: Delivery; record: EncodedRecord }>>()
  for (const { range, records } of ranges) {
    for (const stored of records) {
      const delivery: Delivery = { ...range, offset: stored.offset }
      const entry = deadLetterRecord(meta, delivery, stored.text)
      const partition = partitionForKey(entry.key ?? `${producerId}:${sequence}`, dlq.partitions)
      const list = byPartition.get(partition) ?? []
      list.push({ delivery, record: entry.record })
      byPartition.set(partition, list)
    }
  }
  const written: DeadLettered[] = []
  for (const [partition, entries] of byPartition) {
    const ref = { tenant: meta.tenant, topic: dlq.topic, topicId: dlq.topicId, partition }
    const records = entries.map((e) => e.record)
    const appended = await attemptResult(() => partitionStub(source.env, ref).append(ref, { records, producerId, sequence }))
    if (!appended.ok) {
      // What the error table marks retriable is tried again later. UNKNOWN_TOPIC_OR_PARTITION is no verdict
      // on the records: the DLQ topic was deleted (or created again) since it was looked up, so the next pass
      // looks it up afresh (creating it if need be), as a client refreshes its metadata. Anything else never
      // passes, and is given up rather than block every later record.
      if (ERROR_CODES[appended.error.code].retriable || appended.error.code === 'UNKNOWN_TOPIC_OR_PARTITION') return 'retry'
      if (appended.error.code !== 'DUPLICATE_SEQUENCE_NUMBER') {
        const index = appended.error.details?.index
        const one = typeof index === 'number' ? entries[index]?.delivery : undefined
        console.error(
          JSON.stringify({
            level: 'error',
            message: 'dead letters dropped',
            topic: meta.topic,
            ...(one ? { offset: one.offset } : { records: entries.length }),
            code: appended.error.code,
          }),
        )
        return { refused: one ? { group: one.group, first: one.offset, last: one.offset } : null }
      }
    }
    // A repeated sequence answers the first write's offsets; one the DLQ partition has long passed, none.
    const first = appended.ok ? appended.value.baseOffset : null
    entries.forEach((e, i) => written.push({ delivery: e.delivery, dlq: { topic: dlq.topic, partition, offset: first === null ? null : first + i } }))
  }
  return written
}

/** The DLQ record of a dead record: its key, value and headers, or the unreadable stored text as a string. */
function deadLetterRecord(meta: PartitionMeta, delivery: Delivery, stored: string): { key: string | null; record: EncodedRecord } {
  const read = parseRecordText(stored)
  const record = 'record' in read ? read.record : undefined
  const headers = {
    ...(record?.headers ?? {}),
    [DLQ_HEADERS.topic]: meta.topic,
    [DLQ_HEADERS.partition]: String(meta.partition),
    [DLQ_HEADERS.offset]: String(delivery.offset),
    [DLQ_HEADERS.group]: delivery.group,
    [DLQ_HEADERS.attempts]: String(delivery.attempts),
    [DLQ_HEADERS.firstFailure]: new Date(delivery.firstFailureAt ?? Date.now()).toISOString(),
    [DLQ_HEADERS.lastFailure]: new Date(delivery.lastFailureAt ?? Date.now()).toISOString(),
    [DLQ_HEADERS.error]: delivery.lastError ?? '',
  }
  const body = deadLetterBody(record, stored, headers)
  const timestamp = record?.timestamp ?? recordTimestamp(stored) ?? Date.now()
  return { key: record?.key ?? null, record: { body, bytes: utf8Length(body), timestamp } }
}

function deadLetterBody(record: FetchedRecord | undefined, stored: string, headers: Record<string, string>): string {
  if (record) {
    try {
      return encodeRecordBody({
        key: record.key,
        value: record.value,
        headers,
        ...(record.valueEncoding ? { valueEncoding: record.valueEncoding } : {}),
      })
    } catch {
      // Not encodable after all: keep the stored text instead.
    }
  }
  return encodeRecordBody({ key: null, value: stored, headers })
}

async function ensureDlqTopic(source: DeadLetterSource): Promise<TopicMetadata> {
  const cluster = metadataStub(source.env, source.meta.tenant)
  const name = `${source.meta.topic}${DLQ_SUFFIX}`
  const existing = await attempt(() => cluster.topic(source.meta.tenant, name))
  if (existing) return existing
  // Room for the source's largest record plus the DLQ headers; created by the system, outside quotas.
  const created = await attemptResult(() =>
    cluster.createTopic(source.meta.tenant, {
      topic: name,
      partitions: 1,
      config: {
        'retention.ms': source.meta.queue.deadLetter.retentionMs,
        'max.message.bytes': Math.min(MAX_MESSAGE_BYTES_CEILING, source.meta.config['max.message.bytes'] + 64 * 1024),
      },
      queue: { deadLetter: { enabled: false } },
      system: true,
    }),
  )
  if (created.ok) return created.value
  const raced = await attempt(() => cluster.topic(source.meta.tenant, name))
  if (raced) return raced
  throw new Error(`cannot create dead-letter topic '${name}'`)
}
