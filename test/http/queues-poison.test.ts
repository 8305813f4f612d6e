import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { encodeRecordBody } from '../../src/core/record-codec'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import type { Result } from '../../src/protocol/errors'
import { fetchMessages, request, uniqueName } from '../support/http'
import { ack, createQueue, deadLetters, fastRetry, nack, partition, receive, receiveRaw, send, stats } from '../support/queues'

const deepText = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`

/** Appends a record through the partition's RPC, as the HTTP edge's own checks would not let it in. */
async function appendDirectly(queue: string, value: unknown, headers: Record<string, string> = {}) {
  const { ref, stub } = await partition(queue)
  const body = encodeRecordBody({ key: null, value, headers })
  const appended = (await stub.append(ref, { records: [{ body, bytes: body.length }] })) as Result<unknown>
  if (!appended.ok) throw new Error(JSON.stringify(appended.error))
}

/** Replaces the stored text of the batch starting at `baseOffset`, as a storage fault would. */
async function overwriteBatch(queue: string, baseOffset: number, payload: string, positions: string | null) {
  const { stub } = await partition(queue)
  await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
    state.storage.sql.exec('UPDATE batches SET payload = ?, positions = ? WHERE base_offset = ?', payload, positions, baseOffset)
  })
}

describe('Queues > a value nested 5,000 levels deep', () => {
  it('is delivered, acked, dead-lettered, inspected, re-driven and fetched without a 500', async () => {
    const name = uniqueName('deep')
    await createQueue({ name, retry: fastRetry(1) })
    const deep = JSON.parse(deepText(5000)) as unknown
    await appendDirectly(name, deep, { n: '1' })
    await appendDirectly(name, deep, { n: '2' })
    const received = await receiveRaw(name, 'c')
    expect(received.status).toBe(200)
    const [first, second] = received.body.messages
    expect(JSON.stringify(first.value)).toBe(deepText(5000))
    expect((await ack(name, 'c', [first.leaseId])).body).toEqual({ acked: 1 })
    expect((await nack(name, 'c', second.leaseId)).body).toEqual({ state: 'dead' })

    const fetched = await fetchMessages(name, 0)
    expect(fetched.status).toBe(200)
    expect(fetched.body.messages).toHaveLength(2)
    const inspected = await request('GET', `/queues/${name}/dlq`)
    expect(inspected.status).toBe(200)
    expect(inspected.body.messages.map((m: { headers: Record<string, string> }) => m.headers.n)).toEqual(['2'])
    expect(JSON.stringify(inspected.body.messages[0].value)).toBe(deepText(5000))
    // A produce-time depth limit may refuse to write it back: a clear 4xx, the DLQ left as it was.
    const redriven = await request('POST', `/queues/${name}/dlq/redrive`, {})
    expect(redriven.status === 200 || (redriven.status >= 400 && redriven.status < 500), JSON.stringify(redriven.body)).toBe(true)
    if (redriven.status === 200) {
      const [again] = await receive(name, 'c')
      expect(JSON.stringify(again!.value)).toBe(deepText(5000))
    }
    expect(await deadLetters(name)).toHaveLength(1)
  })
})

describe('Queues > a record that cannot be delivered', () => {
  it('goes to the DLQ with the reason, and receive answers the other records', async () => {
    const name = uniqueName('garbled')
    await createQueue({ name })
    for (const value of ['a', 'b', 'c']) await send(name, [{ value }])
    const garbled = `{"offset":1,"timestamp":${Date.now()},"key":null,"value":{"broken":,"headers":{}}`
    await overwriteBatch(name, 1, `[${garbled}]`, '1')

    const received = await receiveRaw(name, 'c')
    expect(received.status).toBe(200)
    expect(received.body.messages.map((m: { value: string }) => m.value)).toEqual(['a', 'c'])
    const [dead] = await deadLetters(name)
    expect(dead!.headers).toMatchObject({ 'kafdo-dlq-original-offset': '1', 'kafdo-dlq-attempts': '0' })
    expect(dead!.headers['kafdo-dlq-last-error']).toMatch(/^undeliverable: .*not valid JSON/)
    // What was stored is kept, as text, for whoever inspects it.
    expect(dead!.value).toBe(garbled)
    expect(await stats(name)).toMatchObject({ depth: 2, inFlight: 2, ready: 0, deadLettered: 1 })

    expect((await request('POST', `/queues/${name}/dlq/redrive`, {})).body).toEqual({ redriven: 1 })
    const [redriven] = await receive(name, 'c')
    expect(redriven).toMatchObject({ offset: 3, value: garbled })
  })

  it('is found inside a batch that no longer parses, and the batch’s other records are delivered', async () => {
    const name = uniqueName('midbatch')
    await createQueue({ name })
    await send(name, [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
    const now = Date.now()
    const records = [
      `{"offset":0,"timestamp":${now},"key":null,"value":"a","headers":{}}`,
      `{"offset":1,"timestamp":${now},"key":null,"value":[1,,2],"headers":{}}`,
      `{"offset":2,"timestamp":${now},"key":null,"value":"c","headers":{}}`,
    ]
    await overwriteBatch(name, 0, `[${records.join(',')}]`, null)
    expect((await receive(name, 'c')).map((m) => m.value)).toEqual(['a', 'c'])
    expect((await deadLetters(name)).map((m) => m.headers['kafdo-dlq-original-offset'])).toEqual(['1'])
  })

  it('is dead-lettered when it can no longer be read at its redelivery', async () => {
    const name = uniqueName('later')
    await createQueue({ name, retry: fastRetry(5) })
    await send(name, [{ value: 'fine' }])
    const [m] = await receive(name, 'c')
    await nack(name, 'c', m!.leaseId)
    await overwriteBatch(name, 0, `[{"offset":0,"timestamp":${m!.timestamp},"key":null,"value":"fi`, '1')
    expect(await receive(name, 'c')).toEqual([])
    const [dead] = await deadLetters(name)
    expect(dead!.headers).toMatchObject({ 'kafdo-dlq-original-offset': '0', 'kafdo-dlq-attempts': '1' })
    expect(await stats(name)).toMatchObject({ depth: 0, deadLettered: 1 })
  })

  it('is dropped when dead-lettering is off, and the rest is delivered', async () => {
    const name = uniqueName('dropped')
    await createQueue({ name, deadLetter: { enabled: false } })
    for (const value of ['a', 'b']) await send(name, [{ value }])
    await overwriteBatch(name, 0, `[{"offset":0,"timestamp":${Date.now()},"key":null,"value":]`, '1')
    expect((await receive(name, 'c')).map((m) => m.value)).toEqual(['b'])
    expect(await receive(name, 'c')).toEqual([])
    expect(await stats(name)).toMatchObject({ depth: 1, inFlight: 1, ready: 0 })
    expect((await request('GET', `/queues/${name}/dlq`)).status).toBe(404)
  })
})
