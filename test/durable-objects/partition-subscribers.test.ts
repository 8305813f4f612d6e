/**
 * TopicPartitionDO's live subscribers are hibernatable WebSockets: the object keeps them with
 * `ctx.acceptWebSocket`, each one's position and window in its attachment, so a subscriber outlives the
 * object leaving memory and goes on from where it was.
 */
import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { partitionStub } from '../../src/services/stubs'
import { requireTopic } from '../../src/services/topic-cache'
import { createTopic, produceBatch, uniqueName } from '../support/http'
import { openSocket, SocketReader } from '../support/streams'

describe('TopicPartitionDO > live subscribers', () => {
  it('keeps subscribers as hibernatable WebSockets that outlive the object leaving memory', async () => {
    const topic = uniqueName('hibernate')
    await createTopic(topic)
    const ws = (await openSocket(`/topics/${topic}/ws`)) as SocketReader
    await ws.next()
    await produceBatch(topic, [{ value: 'before' }])
    const first = await ws.next((f) => f.type === 'records')
    ws.send({ type: 'received', next: first.next })

    const meta = await requireTopic(env, DEFAULT_TENANT, topic)
    const stub = partitionStub(env, { tenant: DEFAULT_TENANT, topic, topicId: meta.topicId, partition: 0 }) as DurableObjectStub<TopicPartitionDO>
    const kept = await runInDurableObject(stub, (_instance, state) =>
      state.getWebSockets('log').map((socket) => socket.deserializeAttachment() as { flow: { next: number } }),
    )
    expect(kept).toEqual([expect.objectContaining({ flow: expect.objectContaining({ next: 1 }) })])

    await evictDurableObject(stub)
    await produceBatch(topic, [{ value: 'after' }])
    const second = await ws.next((f) => f.type === 'records')
    expect(second.records.map((r: { offset: number; value: string }) => [r.offset, r.value])).toEqual([[1, 'after']])
    ws.close()
  })
})
