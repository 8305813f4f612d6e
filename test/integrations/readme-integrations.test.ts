import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { R2EventBridge, type CDCEvent } from '../../integrations/index'
import { uniqueName } from '../support/http'
import { cdcConsumerExample } from './readme/cdc-consumer-example'
import { imported } from './readme/imports-example'
import { mongodbCdcExample } from './readme/mongodb-cdc-example'
import r2Worker, { configuredBridge } from './readme/r2-bridge-example'
import { r2ConsumerExample } from './readme/r2-consumer-example'
import { deleteObject, putObject, queueMessages } from './support/r2-notifications'
import { readTopic } from './support/topics'

afterEach(() => {
  vi.restoreAllMocks()
})

const logged = () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})
  return () => log.mock.calls
}

describe('README > Integrations', () => {
  it('exports what the import line names', () => {
    expect(Object.values(imported).every((value) => typeof value === 'function')).toBe(true)
  })

  it('MongoDB CDC: sends one event and a batch, keyed by document; running it again writes nothing twice', async () => {
    const cdcEvents: CDCEvent[] = [
      {
        eventId: 'evt-124',
        operationType: 'update',
        ns: { db: 'mydb', coll: 'users' },
        documentKey: { _id: 'user-456' },
        updateDescription: { updatedFields: { email: 'alice@example.org' }, removedFields: [] },
      },
      { eventId: 'evt-125', operationType: 'insert', ns: { db: 'mydb', coll: 'orders' }, documentKey: { _id: 'o-1' }, fullDocument: { _id: 'o-1' } },
      { eventId: 'evt-126', operationType: 'delete', ns: { db: 'mydb', coll: 'users' }, documentKey: { _id: 'user-456' } },
    ]
    await mongodbCdcExample(env, cdcEvents)
    await mongodbCdcExample(env, cdcEvents)

    const users = await readTopic('cdc.mydb.users')
    expect(users.map((record) => [record.key, (record.value as CDCEvent).operationType])).toEqual([
      ['"user-456"', 'insert'],
      ['"user-456"', 'update'],
      ['"user-456"', 'delete'],
    ])
    expect((await readTopic('cdc.mydb.orders')).map((record) => record.key)).toEqual(['"o-1"'])

    // Consumer helpers: the README's handlers, fed the records just written (orders are filtered out).
    const calls = logged()
    for (const record of [...users, ...(await readTopic('cdc.mydb.orders'))]) await cdcConsumerExample(record)
    expect(calls()).toEqual([
      ['New document:', { _id: 'user-456', name: 'Alice', email: 'alice@example.com' }],
      ['Updated:', { updatedFields: { email: 'alice@example.org' }, removedFields: [] }],
      ['Deleted:', { _id: 'user-456' }],
    ])
  })

  it('R2 Event Bridge: the Queue consumer writes each notification, and a redelivered batch is not duplicated', async () => {
    const bucket = uniqueName('bucket')
    const messages = queueMessages([putObject(bucket, 'a.png'), { not: 'an r2 event' }, deleteObject(bucket, 'a.png')])
    for (let delivery = 0; delivery < 2; delivery++) {
      const batch = createMessageBatch('r2-events', messages)
      const ctx = createExecutionContext()
      await r2Worker.queue(batch, env)
      // The example relies on the implicit ack of a handler that returns: no explicit acks or retries.
      const result = await getQueueResult(batch, ctx)
      expect(result.outcome).toBe('ok')
      expect(result.retryMessages).toEqual([])
    }
    expect((await readTopic(`r2.${bucket}`)).map((record) => [record.key, record.headers['kafdo-r2-action']])).toEqual([
      ['a.png', 'PutObject'],
      ['a.png', 'DeleteObject'],
    ])
  })

  it('R2 Event Bridge: the configured bridge keeps my-bucket uploads/ only; consumer helpers log creates and deletes', async () => {
    const bridge = configuredBridge(env)
    const parse = (body: unknown) => R2EventBridge.parseQueueMessage({ body })!
    expect(await bridge.processEvent(parse(putObject('other-bucket', 'uploads/cat.png', 1234)))).toBeNull()
    expect(await bridge.processEvent(parse(putObject('my-bucket', 'tmp/cat.png', 1234)))).toBeNull()
    await bridge.processEvent(parse(putObject('my-bucket', 'uploads/cat.png', 1234)))
    await bridge.processEvent(parse(deleteObject('my-bucket', 'uploads/cat.png')))

    const records = await readTopic('r2.my-bucket')
    expect(records.map((record) => record.key)).toEqual(['uploads/cat.png', 'uploads/cat.png'])
    const calls = logged()
    for (const record of records) await r2ConsumerExample(record)
    await r2ConsumerExample({ value: putObject('other-bucket', 'x', 1) })
    expect(calls()).toEqual([
      ['Created:', 'uploads/cat.png', 1234],
      ['Deleted:', 'uploads/cat.png'],
    ])
  })
})
