import { env, evictAllDurableObjects } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { createConsumer, type ConsumerRecord } from '../../src/api/consumer'
import { partitionForKey } from '../../src/core/murmur2'
import { KafdoError } from '../../src/protocol/errors'
import {
  canonicalJson,
  CDC_HEADERS,
  createCollectionTopicPipeline,
  processCDCMessage,
  type CDCEvent,
  type CDCHandlers,
} from '../../integrations/index'
import { createTopic, uniqueName } from '../support/http'
import { changeStream } from './support/change-events'
import { partitionCount, readTopic, recordsOfKey } from './support/topics'

const dbName = () => uniqueName('db').replace(/-/g, '_')

describe('KafdoPipeline > every change event type', () => {
  it('writes each event to its topic, keyed by document, with Extended JSON values unchanged', async () => {
    const { db, alice, bob, events } = changeStream(dbName())
    const pipeline = createCollectionTopicPipeline(env, { namespace: { db } })
    const written = await pipeline.sendBatch(events)

    expect(written.map((metadata) => metadata.topic)).toEqual([...Array(6).fill(`cdc.${db}.users`), `cdc.${db}.people`, `cdc.${db}`, `cdc.${db}`])
    expect(await partitionCount(`cdc.${db}.users`)).toBe(3)

    const users = await readTopic(`cdc.${db}.users`)
    const aliceKey = canonicalJson(alice)
    expect(aliceKey).toBe('{"$oid":"6571b9f4c2a1e3d4f5a6b7c1"}')
    const aliceRecords = recordsOfKey(users, aliceKey)
    expect(aliceRecords.map((record) => (record.value as CDCEvent).operationType)).toEqual(['insert', 'update', 'delete'])
    expect(new Set(aliceRecords.map((record) => record.partition))).toEqual(new Set([partitionForKey(aliceKey, 3)]))
    expect(recordsOfKey(users, canonicalJson(bob)).map((record) => (record.value as CDCEvent).operationType)).toEqual(['insert', 'replace'])

    // Values are the events exactly as sent: $oid, $numberDecimal, $date, $numberLong, $binary untouched.
    expect(aliceRecords[0]!.value).toEqual(events[0])
    expect(aliceRecords[1]!.value).toEqual(events[2])
    expect(aliceRecords[0]!.headers).toEqual({
      [CDC_HEADERS.eventId]: canonicalJson(events[0]!._id),
      [CDC_HEADERS.operation]: 'insert',
      [CDC_HEADERS.database]: db,
      [CDC_HEADERS.collection]: 'users',
    })
    // The record time is the write time (the change's own time stays in the value), so retention does not
    // delete a replayed backlog of old changes at once.
    expect(Math.abs(aliceRecords[0]!.timestamp - Date.now())).toBeLessThan(60_000)

    const rename = users.find((record) => record.key === `ns:${db}.users`)
    expect(rename?.value).toEqual(events[5])
    const database = await readTopic(`cdc.${db}`)
    expect(database.map((record) => [record.key, (record.value as CDCEvent).operationType])).toEqual([
      [`ns:${db}`, 'dropDatabase'],
      [`ns:${db}`, 'invalidate'],
    ])
    expect((await readTopic(`cdc.${db}.people`)).map((record) => record.value)).toEqual([events[6]])
  })

  it('reads back through a consumer group and calls the handler for each type, in order per document', async () => {
    const { db, alice, events } = changeStream(dbName())
    const pipeline = createCollectionTopicPipeline(env, { namespace: { db } })
    for (const event of events) await pipeline.send(event)

    const consumer = createConsumer(env, { groupId: uniqueName('cdc-g'), fromBeginning: true })
    await consumer.subscribe([`cdc.${db}.users`, `cdc.${db}.people`, `cdc.${db}`])
    const records: ConsumerRecord[] = []
    await vi.waitFor(
      async () => {
        records.push(...(await consumer.poll(100)))
        expect(records).toHaveLength(events.length)
      },
      { timeout: 10_000, interval: 50 },
    )
    await consumer.close()

    const calls: string[] = []
    const log =
      (name: string) =>
      async (event: CDCEvent): Promise<void> => {
        calls.push(`${name}:${'documentKey' in event ? canonicalJson(event.documentKey._id) : event.operationType}`)
      }
    const handlers: CDCHandlers = {
      groupId: 'cdc-processor',
      onInsert: log('onInsert'),
      onUpdate: log('onUpdate'),
      onReplace: log('onReplace'),
      onDelete: log('onDelete'),
      onDrop: log('onDrop'),
      onRename: log('onRename'),
      onDropDatabase: log('onDropDatabase'),
      onInvalidate: log('onInvalidate'),
    }
    for (const record of records) expect(await processCDCMessage(record, handlers)).toBe(true)

    const aliceKey = canonicalJson(alice)
    expect(calls.filter((call) => call.endsWith(aliceKey))).toEqual([`onInsert:${aliceKey}`, `onUpdate:${aliceKey}`, `onDelete:${aliceKey}`])
    expect(calls.filter((call) => !call.includes('$oid')).sort()).toEqual(
      ['onDrop:drop', 'onDropDatabase:dropDatabase', 'onInvalidate:invalidate', 'onRename:rename'].sort(),
    )
    expect(calls.filter((call) => call.startsWith('onReplace'))).toHaveLength(1)
  })
})

describe('KafdoPipeline > replays', () => {
  it('does not duplicate a replayed event, whatever the batch boundaries or pipeline instance', async () => {
    const { db, events } = changeStream(dbName())
    const documentEvents = events.slice(0, 5)
    const topic = `cdc.${db}.users`
    const first = await createCollectionTopicPipeline(env).sendBatch(documentEvents.slice(0, 3))

    // A change stream resumed from the first event's token delivers events 2.. again, then new ones,
    // to a new pipeline (a restarted Worker), in batches that do not line up with the first.
    const restarted = createCollectionTopicPipeline(env)
    const replayed = await restarted.sendBatch(documentEvents.slice(1, 4))
    expect(replayed.slice(0, 2)).toEqual(first.slice(1, 3))
    expect(await restarted.send(documentEvents[0]!)).toEqual(first[0])
    await restarted.send(documentEvents[4]!)
    await restarted.sendBatch(documentEvents)

    const records = await readTopic(topic)
    expect(records).toHaveLength(5)
    expect(records.map((record) => record.headers[CDC_HEADERS.eventId]).sort()).toEqual(
      documentEvents.map((event) => canonicalJson(event._id)).sort(),
    )
  })

  it('recognises a replay after the partition objects are evicted from memory', async () => {
    const { db, events } = changeStream(dbName())
    const pipeline = createCollectionTopicPipeline(env)
    const first = await pipeline.send(events[0]!)
    await evictAllDurableObjects()
    expect(await createCollectionTopicPipeline(env).send(events[0]!)).toEqual(first)
    expect(await readTopic(`cdc.${db}.users`)).toHaveLength(1)
  })

  it("dedupes the README's hand-built events by eventId", async () => {
    const db = dbName()
    const pipeline = createCollectionTopicPipeline(env)
    const event: CDCEvent = {
      eventId: 'evt-1',
      operationType: 'insert',
      ns: { db, coll: 'users' },
      documentKey: { _id: 'user-1' },
      fullDocument: { _id: 'user-1', name: 'Alice' },
      timestamp: '2024-01-01T00:00:00.000Z',
    }
    await pipeline.send(event)
    await pipeline.send({ ...event })
    await pipeline.send({ ...event, eventId: 'evt-2', operationType: 'replace', fullDocument: { _id: 'user-1', name: 'Alicia' } })
    const records = await readTopic(`cdc.${db}.users`)
    expect(records.map((record) => [record.key, record.headers[CDC_HEADERS.eventId], (record.value as CDCEvent).timestamp])).toEqual([
      ['"user-1"', 'evt-1', '2024-01-01T00:00:00.000Z'],
      ['"user-1"', 'evt-2', '2024-01-01T00:00:00.000Z'],
    ])
  })
})

describe('KafdoPipeline > failures', () => {
  it('refuses an event without an id, or not a change event, and writes nothing of the batch', async () => {
    const db = dbName()
    const pipeline = createCollectionTopicPipeline(env)
    const good: CDCEvent = { eventId: 'ok', operationType: 'delete', ns: { db, coll: 'users' }, documentKey: { _id: 1 } }
    const anonymous = { operationType: 'delete', ns: { db, coll: 'users' }, documentKey: { _id: 2 } } as CDCEvent
    await expect(pipeline.sendBatch([good, anonymous])).rejects.toMatchObject({ code: 'INVALID_REQUEST', details: { index: 1 } })
    const notAnEvent = { eventId: 'x', operationType: 'update', ns: { db, coll: 'users' }, documentKey: { _id: 3 } } as CDCEvent
    await expect(pipeline.send(notAnEvent)).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    expect(
      (await createCollectionTopicPipeline(env, { autoCreateTopics: false })
        .send(good)
        .catch((err: KafdoError) => err.code)) as string,
    ).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })

  it('keeps writing other documents when one fails, holds back that document, and a resend completes the batch once', async () => {
    const db = dbName()
    const topic = `cdc.${db}.users`
    await createTopic(topic, 2, { 'max.message.bytes': 2000 })
    const event = (id: string, doc: number, name: string): CDCEvent => ({
      eventId: id,
      operationType: 'insert',
      ns: { db, coll: 'users' },
      documentKey: { _id: doc },
      fullDocument: { _id: doc, name },
    })
    const batch = [event('e1', 1, 'x'.repeat(3000)), event('e2', 2, 'two'), event('e3', 1, 'one again'), event('e4', 3, 'three')]
    const error = await createCollectionTopicPipeline(env)
      .sendBatch(batch)
      .catch((err: unknown) => err)
    expect(error).toBeInstanceOf(KafdoError)
    expect((error as KafdoError).code).toBe('RECORD_TOO_LARGE')
    expect((error as KafdoError).details?.failed).toEqual([
      expect.objectContaining({ index: 0, code: 'RECORD_TOO_LARGE' }),
      expect.objectContaining({ index: 2, code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }),
    ])
    expect((await readTopic(topic)).map((record) => record.headers[CDC_HEADERS.eventId]).sort()).toEqual(['e2', 'e4'])

    batch[0] = event('e1', 1, 'fits now')
    await createCollectionTopicPipeline(env).sendBatch(batch)
    const records = await readTopic(topic)
    expect(records.map((record) => record.headers[CDC_HEADERS.eventId]).sort()).toEqual(['e1', 'e2', 'e3', 'e4'])
    expect(recordsOfKey(records, '1').map((record) => record.headers[CDC_HEADERS.eventId])).toEqual(['e1', 'e3'])
  })
})
