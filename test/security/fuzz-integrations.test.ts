import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CDC_HEADERS,
  createFixedTopicPipeline,
  createKafdoPipeline,
  createR2EventBridge,
  isCDCEvent,
  isDocumentEvent,
  isR2EventNotification,
  parseR2Event,
  processCDCMessage,
  processR2Event,
  R2_OBJECT_CREATE_ACTIONS,
  R2EventBridge,
  type CDCEvent,
  type IntegrationMessage,
} from '../../integrations/index'
import { KafdoError } from '../../src/protocol/errors'
import { MAX_VALUE_DEPTH } from '../../src/protocol/limits'
import { createTopic, latestOffsets, uniqueName } from '../support/http'

/**
 * The integrations' helpers with hostile input. Consumer side (`processCDCMessage`, `processR2Event`,
 * `R2EventBridge.parseQueueMessage`, the guards): never throw, and call a handler only with an event of
 * its kind. Writer side (`KafdoPipeline.send`, `R2EventBridge.processBatch`): refuse with a KafdoError
 * (never a TypeError or a stack overflow) and write nothing for an event they refuse.
 */

const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels))
const anything = fc.oneof(
  fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withSparseArray: true, withDate: true, maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(
    null,
    undefined,
    nested(MAX_VALUE_DEPTH),
    nested(MAX_VALUE_DEPTH + 1),
    nested(20_000),
    '['.repeat(20_000),
    '__proto__',
    JSON.parse('{"__proto__":{"operationType":"insert"}}'),
  ),
)
const word = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('insert', 'PutObject', 'constructor', '__proto__', 'toString', ''))
const field = fc.oneof(anything, word)
const OPERATIONS = ['insert', 'update', 'replace', 'delete', 'drop', 'rename', 'dropDatabase', 'invalidate'] as const
/** Mostly the valid form, sometimes anything: so that many events get through the guards to a write. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: field })
const namespace = fc.record({ db: mostly(word), coll: mostly(word) }, { requiredKeys: ['db'] })

/** Change events of every operation type, valid or nearly so, with hostile documents and ids. */
const changeEvent = fc.record(
  {
    _id: mostly(fc.record({ _data: fc.string() })),
    eventId: fc.option(mostly(fc.string({ minLength: 1 })), { nil: undefined }),
    operationType: mostly(fc.constantFrom(...OPERATIONS)),
    ns: mostly(namespace),
    to: mostly(namespace),
    documentKey: mostly(fc.record({ _id: field })),
    fullDocument: mostly(fc.dictionary(fc.string(), field, { maxKeys: 3 })),
    updateDescription: mostly(fc.record({ updatedFields: field, removedFields: fc.array(fc.string()) })),
  },
  { requiredKeys: ['_id', 'operationType', 'ns', 'to', 'documentKey', 'fullDocument', 'updateDescription'] },
)
/** A record value produced as text (the helpers parse it); values JSON cannot hold become ''. */
function asText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? ''
  } catch {
    return ''
  }
}

/** R2 notifications, valid or nearly so. */
const r2Notification = fc.record(
  {
    account: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), field),
    action: fc.oneof(fc.constantFrom(...R2_OBJECT_CREATE_ACTIONS, 'DeleteObject', 'LifecycleDeletion', 'GetObject'), field),
    bucket: fc.oneof(fc.constantFrom('photos', 'logs', '__audit', 'a'.repeat(300), 'bad bucket'), field),
    object: fc.oneof(fc.record({ key: fc.oneof(fc.string(), field), size: field, eTag: field, extra: field }, { requiredKeys: ['key'] }), field),
    eventTime: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      field,
    ),
    copySource: field,
  },
  { requiredKeys: ['account', 'action', 'bucket', 'object', 'eventTime'] },
)
const payload = fc.oneof(changeEvent, r2Notification, anything, changeEvent.map(asText), r2Notification.map(asText))
const message = fc.oneof(
  anything,
  fc.record(
    {
      value: payload,
      body: payload,
      key: field,
      headers: fc.oneof(fc.dictionary(fc.constantFrom(CDC_HEADERS.database, CDC_HEADERS.collection, '__proto__', 'x'), field), field),
      topic: field,
      partition: field,
      offset: field,
    },
    { requiredKeys: [] },
  ),
)
const filter = fc.option(fc.oneof(word, fc.array(word, { maxLength: 3 })), { nil: undefined })

describe('Security > fuzzed integration helpers', () => {
  it('consumer helpers never throw and hand each handler only an event of its kind', async () => {
    await fc.assert(
      fc.asyncProperty(message, filter, filter, async (hostile, database, collection) => {
        const received: Array<[string, unknown]> = []
        const on = (kind: string) => (event: unknown) => void received.push([kind, event])
        const msg = hostile as IntegrationMessage
        const cdcRan = await processCDCMessage(msg, {
          database,
          collection,
          ...Object.fromEntries(
            ['Insert', 'Update', 'Replace', 'Delete', 'Drop', 'Rename', 'DropDatabase', 'Invalidate'].map((op) => [`on${op}`, on(op)]),
          ),
        })
        expect(typeof cdcRan).toBe('boolean')
        expect(received.length).toBe(cdcRan ? 1 : 0)
        for (const [kind, event] of received) {
          expect(isCDCEvent(event)).toBe(true)
          expect(`${(event as CDCEvent).operationType[0]!.toUpperCase()}${(event as CDCEvent).operationType.slice(1)}`).toBe(kind)
        }
        received.length = 0
        const r2Ran = await processR2Event(msg, {
          bucketFilter: database,
          keyPrefixFilter: collection,
          onObjectCreated: on('created'),
          onObjectDeleted: on('deleted'),
        })
        expect(received.length).toBe(r2Ran ? 1 : 0)
        for (const [, event] of received) expect(isR2EventNotification(event)).toBe(true)
        const parsed = R2EventBridge.parseQueueMessage(hostile as { body: unknown })
        expect(parsed === null || isR2EventNotification(parsed)).toBe(true)
        const value = typeof hostile === 'object' && hostile !== null ? (hostile as { value?: unknown }).value : hostile
        expect(typeof isCDCEvent(value)).toBe('boolean')
        expect(typeof isDocumentEvent(value)).toBe('boolean')
        expect(parseR2Event(value) === null || typeof parseR2Event(value) === 'object').toBe(true)
      }),
      { numRuns: 400 },
    )
  })

  it('KafdoPipeline.send writes an event or refuses it with a KafdoError, writing nothing', async () => {
    const topic = uniqueName('cdcfuzz')
    await createTopic(topic, 1)
    const fixed = createFixedTopicPipeline(env, topic, { retries: 0, autoCreateTopics: false })
    // Routing by namespace too: hostile db and collection names must give a KafdoError, never a TypeError.
    const routed = createKafdoPipeline({ env, topicPattern: `${uniqueName('cdcns')}.{db}.{coll}`, retries: 0, autoCreateTopics: false })
    await fc.assert(
      fc.asyncProperty(changeEvent, async (event) => {
        const [before] = await latestOffsets(topic)
        const outcome = await fixed.send(event as CDCEvent).then(
          (metadata) => metadata,
          (err: unknown) => err,
        )
        const [after] = await latestOffsets(topic)
        if (outcome instanceof Error) {
          expect(outcome).toBeInstanceOf(KafdoError)
          expect(after).toBe(before)
        } else {
          expect(isCDCEvent(event)).toBe(true)
          expect(after! - before!).toBeLessThanOrEqual(1) // a replay of an event already written adds nothing
        }
        const viaNamespace = await routed.send(event as CDCEvent).catch((err: unknown) => err)
        if (viaNamespace instanceof Error) expect(viaNamespace).toBeInstanceOf(KafdoError)
      }),
      { numRuns: 200 },
    )
  })

  it('R2EventBridge.processBatch never throws, and acks or retries every message once', async () => {
    const bridge = createR2EventBridge({ env, topicPattern: `${uniqueName('r2fuzz')}.{bucket}`, retries: 0 })
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(r2Notification, anything), { maxLength: 4 }), async (bodies) => {
        const outcomes = bodies.map(() => [] as string[])
        const messages = bodies.map((body, i) => ({ body, ack: () => void outcomes[i]!.push('ack'), retry: () => void outcomes[i]!.push('retry') }))
        const result = await bridge.processBatch({ messages })
        expect(outcomes.every((calls) => calls.length === 1)).toBe(true)
        expect(result.written + result.skipped + result.retried).toBe(bodies.length)
        bodies.forEach((body, i) => {
          if (R2EventBridge.parseQueueMessage({ body }) === null) expect(outcomes[i]).toEqual(['ack'])
        })
      }),
      { numRuns: 150 },
    )
  })

  it('refuses the malformed events the fuzz found with INVALID_REQUEST, not a TypeError', async () => {
    const routed = createKafdoPipeline({ env, topicPattern: `${uniqueName('cdcfound')}.{db}.{coll}`, retries: 0 })
    const insert = { _id: { _data: '01' }, operationType: 'insert', ns: { db: 'shop', coll: 'orders' }, documentKey: { _id: 1 }, fullDocument: {} }
    const badId = await routed.send({ ...insert, eventId: [{}] } as unknown as CDCEvent).catch((err: unknown) => err)
    expect((badId as KafdoError).toPayload()).toEqual({
      code: 'INVALID_REQUEST',
      message: 'event 0: eventId must be a string',
      details: { index: 0 },
    })
    const badNamespace = { _id: { _data: '02' }, operationType: 'dropDatabase', ns: { db: 'shop', coll: 5 } }
    expect(isCDCEvent(badNamespace)).toBe(false)
    expect((await routed.send(badNamespace as unknown as CDCEvent).catch((err: unknown) => err)) as KafdoError).toMatchObject({
      code: 'INVALID_REQUEST',
    })
  })
})
