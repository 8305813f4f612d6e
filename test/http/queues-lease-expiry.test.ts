import { runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { uniqueName } from '../support/http'
import { ack, createQueue, deadLetters, extend, fastRetry, nack, partition, receive, reject, send, stats } from '../support/queues'

/** A queue holding one record leased to 'a' whose lease the partition's timer has then expired. */
async function expiredLease(extra: Record<string, unknown> = {}) {
  const name = uniqueName('expired')
  await createQueue({ name, retry: { strategy: 'fixed', delayMs: 60_000, maxAttempts: 5 }, ...extra })
  await send(name, [{ value: 'slow' }])
  const [m] = await receive(name, 'a', { visibilityTimeoutMs: 1000 })
  const { stub } = await partition(name)
  expect(await runDurableObjectAlarm(stub)).toBe(true)
  return { name, lease: m!.leaseId, offset: m!.offset }
}

describe('Queues > an expired lease', () => {
  it('answers 409 LEASE_EXPIRED to ack, nack, reject and extend until the record is leased again', async () => {
    const { name, lease, offset } = await expiredLease()
    for (const attempt of [ack(name, 'a', [lease]), nack(name, 'a', lease), reject(name, 'a', lease), extend(name, 'a', lease)]) {
      const res = await attempt
      expect(res.status).toBe(409)
      expect(res.body.error).toMatchObject({ code: 'LEASE_EXPIRED', details: { offset } })
    }
    // The refusals changed nothing: the record still waits for its redelivery, its attempt counted once.
    expect(await stats(name)).toMatchObject({ depth: 1, delayed: 1, inFlight: 0, deadLettered: 0 })
  })

  it('answers 404 UNKNOWN_LEASE once the record is leased again', async () => {
    const { name, lease } = await expiredLease({ retry: fastRetry(5) })
    const [again] = await receive(name, 'b')
    expect(again).toMatchObject({ value: 'slow', deliveryCount: 2 })
    const res = await ack(name, 'a', [lease])
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('UNKNOWN_LEASE')
    expect((await ack(name, 'b', [again!.leaseId])).body).toEqual({ acked: 1 })
  })

  it('answers 409 LEASE_NOT_HELD when another consumer presents the expired lease', async () => {
    const { name, lease } = await expiredLease()
    const res = await ack(name, 'thief', [lease])
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('LEASE_NOT_HELD')
  })

  it('answers 409 LEASE_EXPIRED, saying so, when the expiry used up the attempts and the record was dead-lettered', async () => {
    const { name, lease, offset } = await expiredLease({ retry: fastRetry(1) })
    expect((await deadLetters(name)).map((m) => m.headers['kafdo-dlq-last-error'])).toEqual(['lease expired'])
    for (const attempt of [ack(name, 'a', [lease]), nack(name, 'a', lease), extend(name, 'a', lease)]) {
      const res = await attempt
      expect(res.status).toBe(409)
      expect(res.body.error).toMatchObject({ code: 'LEASE_EXPIRED', details: { offset, deadLettered: true } })
    }
    expect(await deadLetters(name)).toHaveLength(1)
    expect(await stats(name)).toMatchObject({ depth: 0, deadLettered: 1 })
  })

  it('answers 409 LEASE_EXPIRED when the expiry used up the attempts and the record was dropped (no DLQ)', async () => {
    const { name, lease } = await expiredLease({ retry: fastRetry(1), deadLetter: { enabled: false } })
    const res = await ack(name, 'a', [lease])
    expect(res.status).toBe(409)
    expect(res.body.error).toMatchObject({ code: 'LEASE_EXPIRED', details: { dropped: true } })
    expect(await stats(name)).toMatchObject({ depth: 0 })
  })

  it('still answers 404 UNKNOWN_LEASE for a lease its holder settled with nack', async () => {
    const name = uniqueName('nacked')
    await createQueue({ name, retry: { strategy: 'fixed', delayMs: 60_000, maxAttempts: 5 } })
    await send(name, [{ value: 'x' }])
    const [m] = await receive(name, 'a')
    expect((await nack(name, 'a', m!.leaseId)).status).toBe(200)
    const res = await ack(name, 'a', [m!.leaseId])
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('UNKNOWN_LEASE')
  })

  it('refuses a batch ack holding one expired lease whole, acking none of it', async () => {
    const name = uniqueName('batch')
    await createQueue({ name, retry: { strategy: 'fixed', delayMs: 60_000, maxAttempts: 5 } })
    await send(name, [{ value: 1 }])
    const [short] = await receive(name, 'a', { visibilityTimeoutMs: 1000 })
    await send(name, [{ value: 2 }])
    const [long] = await receive(name, 'a', { visibilityTimeoutMs: 600_000 })
    const { stub } = await partition(name)
    await runDurableObjectAlarm(stub)
    const res = await ack(name, 'a', [long!.leaseId, short!.leaseId])
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('LEASE_EXPIRED')
    expect(await stats(name)).toMatchObject({ inFlight: 1, delayed: 1 })
    expect((await ack(name, 'a', [long!.leaseId])).body).toEqual({ acked: 1 })
  })
})
