import { runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { request, uniqueName } from '../support/http'
import { ack, createQueue, partition, receive, send, stats } from '../support/queues'

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const sendTo = (queue: string, partition: number, value: unknown) => request('POST', `/queues/${queue}/messages`, { value, partition })

describe('Queues > receive across partitions', () => {
  it('finds the one ready record on the last of four partitions in a single receive of max 1', async () => {
    const name = uniqueName('anyp')
    await createQueue({ name, partitions: 4 })
    await sendTo(name, 3, 'only')
    const messages = await receive(name, 'c', { max: 1 })
    expect(messages.map((m) => [m.partition, m.value])).toEqual([[3, 'only']])
  })

  it('finds ready records on any partition however small max is, consuming every record once', async () => {
    const name = uniqueName('drain')
    await createQueue({ name, partitions: 5 })
    await sendTo(name, 1, 'a')
    await sendTo(name, 4, 'b')
    await sendTo(name, 4, 'c')
    const seen: string[] = []
    for (let i = 0; i < 3; i++) {
      const [m] = await receive(name, 'c', { max: 1 })
      seen.push(m!.value as string)
      await ack(name, 'c', [m!.leaseId])
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c'])
    expect(await receive(name, 'c', { max: 1 })).toEqual([])
  })

  it('waits for a record when none is ready on any partition, with max below the partition count', async () => {
    const name = uniqueName('waitany')
    await createQueue({ name, partitions: 4 })
    const pending = receive(name, 'c', { max: 1, waitMs: 5000 })
    await later(150)
    await sendTo(name, 2, 'late')
    const messages = await pending
    expect(messages.map((m) => [m.partition, m.value])).toEqual([[2, 'late']])
  })

  it('keeps waiting when another consumer took the record it woke for', async () => {
    const name = uniqueName('race')
    await createQueue({ name, partitions: 2 })
    const a = receive(name, 'a', { max: 1, waitMs: 8000 })
    const b = receive(name, 'b', { max: 1, waitMs: 8000 })
    await later(150)
    await sendTo(name, 0, 'first')
    const winner = await Promise.race([a, b])
    expect(winner.map((m) => m.value)).toEqual(['first'])
    await later(100)
    await sendTo(name, 1, 'second')
    const [fromA, fromB] = await Promise.all([a, b])
    expect([...fromA!, ...fromB!].map((m) => m.value).sort()).toEqual(['first', 'second'])
  })

  it('takes records from every partition in turn, so none starves', async () => {
    const name = uniqueName('fair')
    await createQueue({ name, partitions: 3 })
    for (let p = 0; p < 3; p++)
      await send(name, [
        { value: `${p}-0`, partition: p },
        { value: `${p}-1`, partition: p },
      ])
    const partitions: number[] = []
    for (let i = 0; i < 3; i++) partitions.push(...(await receive(name, 'c', { max: 1 })).map((m) => m.partition))
    expect(partitions.sort()).toEqual([0, 1, 2])
  })

  it('leases no more records than it returns', async () => {
    const name = uniqueName('nolease')
    await createQueue({ name, partitions: 4 })
    for (let p = 0; p < 4; p++) await send(name, [{ value: p, partition: p }])
    expect(await receive(name, 'c', { max: 1 })).toHaveLength(1)
    expect(await stats(name)).toMatchObject({ inFlight: 1, ready: 3 })
    expect(await receive(name, 'c', { max: 2 })).toHaveLength(2)
    expect(await stats(name)).toMatchObject({ inFlight: 3, ready: 1 })
  })

  it('fills max from the partitions that have records when others are empty', async () => {
    const name = uniqueName('fill')
    await createQueue({ name, partitions: 4 })
    await send(
      name,
      Array.from({ length: 6 }, (_, i) => ({ value: i, partition: 2 })),
    )
    await sendTo(name, 0, 'x')
    const messages = await receive(name, 'c', { max: 5 })
    expect(messages).toHaveLength(5)
    expect(await stats(name)).toMatchObject({ inFlight: 5, ready: 2 })
  })

  it('once it has read past records a TTL purge removed from the end of a partition, no longer counts them as ready', async () => {
    const name = uniqueName('tail')
    await createQueue({ name, partitions: 2 })
    await sendTo(name, 1, 'a')
    await send(name, [{ value: 'gone', partition: 1, timestamp: Date.now() - 10_000, ttlMs: 1000 }])
    const { ref, stub } = await partition(name, 1)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await receive(name, 'c')).map((m) => m.value)).toEqual(['a'])
    expect(await stub.awaitDeliverable(ref, 'default', 0)).toEqual({ ok: true, value: 0 })
    expect(await stats(name)).toMatchObject({ depth: 1, ready: 0, inFlight: 1 })
  })

  it('returns an empty answer after waitMs when nothing arrives', async () => {
    const name = uniqueName('empty')
    await createQueue({ name, partitions: 3 })
    expect(await receive(name, 'c', { max: 1, waitMs: 300 })).toEqual([])
  })
})
