import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import {
  canonicalJson,
  createCollectionTopicPipeline,
  createDatabaseTopicPipeline,
  createFixedTopicPipeline,
  createKafdoPipeline,
  type CDCEvent,
} from '../../integrations/index'
import { changeStream } from './support/change-events'

const { events } = changeStream('shop')
const [insert, , , , , rename, drop, dropDatabase, invalidate] = events as [CDCEvent, ...CDCEvent[]]

describe('KafdoPipeline > topics', () => {
  it('routes by the factory: one topic, a topic per database, a topic per collection', () => {
    expect(createFixedTopicPipeline(env, 'all-changes').topicFor(insert)).toBe('all-changes')
    expect(createDatabaseTopicPipeline(env).topicFor(insert)).toBe('cdc.shop')
    expect(createCollectionTopicPipeline(env).topicFor(insert)).toBe('cdc.shop.users')
    expect(createKafdoPipeline({ env, topicPattern: 'mongo-{db}-{coll}-v1' }).topicFor(insert)).toBe('mongo-shop-users-v1')
  })

  it('sends collection events to the collection topic and database events to the database topic', () => {
    const pipeline = createCollectionTopicPipeline(env, { namespace: { db: 'shop' } })
    expect(pipeline.topicFor(rename!)).toBe('cdc.shop.users')
    expect(pipeline.topicFor(drop!)).toBe('cdc.shop.people')
    expect(pipeline.topicFor(dropDatabase!)).toBe('cdc.shop')
    expect(pipeline.topicFor(invalidate!)).toBe('cdc.shop')
    expect(createCollectionTopicPipeline(env, { namespace: { db: 'shop', coll: 'users' } }).topicFor(invalidate!)).toBe('cdc.shop.users')
  })

  it('needs the namespace option to route an invalidate, which carries no ns', () => {
    expect(() => createCollectionTopicPipeline(env).topicFor(invalidate!)).toThrow(/namespace option/)
    expect(createFixedTopicPipeline(env, 'all-changes').topicFor(invalidate!)).toBe('all-changes')
  })

  it('replaces characters Kafka refuses in topic names', () => {
    const odd: CDCEvent = { ...insert, ns: { db: 'app', coll: 'orders $archive/2024' } } as CDCEvent
    expect(createCollectionTopicPipeline(env).topicFor(odd)).toBe('cdc.app.orders__archive_2024')
  })
})

describe('KafdoPipeline > keys', () => {
  it('keys document events by canonical Extended JSON of documentKey._id, whatever the field order', () => {
    const pipeline = createCollectionTopicPipeline(env)
    const compound = (documentKey: Record<string, unknown>) => ({ ...insert, documentKey }) as CDCEvent
    expect(pipeline.keyFor(insert)).toBe('{"$oid":"6571b9f4c2a1e3d4f5a6b7c1"}')
    expect(pipeline.keyFor(compound({ _id: { b: 2, a: { $numberLong: '1' } }, shard: 'x' }))).toBe('{"a":{"$numberLong":"1"},"b":2}')
    expect(pipeline.keyFor(compound({ _id: { a: { $numberLong: '1' }, b: 2 } }))).toBe(
      pipeline.keyFor(compound({ _id: { b: 2, a: { $numberLong: '1' } } })),
    )
    expect(pipeline.keyFor(compound({ _id: 'user-456' }))).toBe('"user-456"')
    expect(pipeline.keyFor(compound({ _id: 456 }))).toBe('456')
  })

  it('keys collection and database events by namespace', () => {
    const pipeline = createCollectionTopicPipeline(env, { namespace: { db: 'shop' } })
    expect([rename, drop, dropDatabase, invalidate].map((event) => pipeline.keyFor(event!))).toEqual([
      'ns:shop.users',
      'ns:shop.people',
      'ns:shop',
      'ns:shop',
    ])
  })

  it('serialises canonically at every depth', () => {
    expect(canonicalJson({ z: [{ y: 1, x: 2 }], a: null, u: undefined })).toBe('{"a":null,"z":[{"x":2,"y":1}]}')
  })
})
