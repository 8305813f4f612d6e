/**
 * The range bookkeeping of queue consumption against a model that keeps one state per record: random
 * sequences of receive, ack, nack, reject, extend, seek, lease expiry and the passing of time, run on a
 * partition's real storage (PartitionQueue over its SQLite, driven with a clock of the test's own), must
 * lease the same records with the same delivery counts, answer every settlement as the model does
 * (including LEASE_NOT_HELD, LEASE_EXPIRED and UNKNOWN_LEASE), and count ready, in flight and dead
 * records exactly. Retries are immediate (delay 0) and a record dies at its second failure.
 */
import { runInDurableObject } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { leaseSpans } from '../../src/core/delivery-ranges'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { uniqueName } from '../support/http'
import { createQueue, partition, partitionQueueIn, send } from '../support/queues'

const RECORDS = 24
const MAX_ATTEMPTS = 2
const GROUP = 'default'

type Held = { member: string; token: string; deadline: number; attempts: number }
type State =
  | { kind: 'new' }
  | { kind: 'done' }
  | ({ kind: 'leased' } & Held)
  /** A failed record, due at once; an expired lease keeps its holder (for LEASE_EXPIRED). */
  | { kind: 'delayed'; attempts: number; holder?: { member: string; token: string } }
  | { kind: 'dead'; holder?: { member: string; token: string } }

/** The model: one state per record, and the group's cursor. */
class Model {
  states: State[] = Array.from({ length: RECORDS }, () => ({ kind: 'new' }))
  cursor = 0
  /** Leases whose expiry killed their record: told LEASE_EXPIRED (dead-lettered) afterwards. */
  expiredDead = new Map<string, string>()

  expire(now: number): void {
    this.states = this.states.map((s, offset) => {
      if (s.kind !== 'leased' || s.deadline > now) return s
      const holder = { member: s.member, token: s.token }
      if (s.attempts >= MAX_ATTEMPTS) {
        this.expiredDead.set(`${offset}:${s.token}`, s.member)
        return { kind: 'dead', holder }
      }
      return { kind: 'delayed', attempts: s.attempts, holder }
    })
  }

  /** Which records a receive leases, in order, with their delivery counts. */
  receive(max: number, now: number): Array<{ offset: number; attempts: number }> {
    this.expire(now)
    const out: Array<{ offset: number; attempts: number }> = []
    this.states.forEach((s, offset) => {
      if (s.kind === 'delayed' && out.length < max) out.push({ offset, attempts: s.attempts + 1 })
    })
    // New records: as many as are wanted are read from the cursor; dead ones among them (after a seek
    // back) are passed over, not replaced.
    const wanted = max - out.length
    let offset = this.cursor
    for (let read = 0; wanted > 0 && read < wanted && offset < RECORDS; read++, offset++) {
      if (this.states[offset]!.kind !== 'dead') out.push({ offset, attempts: 1 })
    }
    if (wanted > 0) this.cursor = offset
    return out
  }

  /** The answer to a settlement of `lease` by `member`: ok, or the error code. */
  check(member: string, offset: number, token: string, now: number): string {
    const s = this.states[offset]!
    if (s.kind === 'leased' && s.token === token) {
      if (s.member !== member) return 'LEASE_NOT_HELD'
      return s.deadline <= now ? 'LEASE_EXPIRED' : 'ok'
    }
    if ((s.kind === 'delayed' || s.kind === 'dead') && s.holder?.token === token)
      return s.holder.member === member ? 'LEASE_EXPIRED' : 'LEASE_NOT_HELD'
    const expired = this.expiredDead.get(`${offset}:${token}`)
    if (expired !== undefined) return expired === member ? 'LEASE_EXPIRED' : 'LEASE_NOT_HELD'
    return 'UNKNOWN_LEASE'
  }

  fail(offset: number, dead: boolean): void {
    const s = this.states[offset] as { attempts: number }
    this.states[offset] = dead || s.attempts >= MAX_ATTEMPTS ? { kind: 'dead' } : { kind: 'delayed', attempts: s.attempts }
  }

  seek(target: number): void {
    this.states = this.states.map((s, offset) => {
      if (offset >= target) return s.kind === 'dead' ? s : { kind: 'new' }
      return s.kind === 'new' && offset >= this.cursor ? { kind: 'done' } : s
    })
    this.cursor = target
  }

  stats(now: number): { ready: number; inFlight: number; dead: number } {
    let ready = 0
    let inFlight = 0
    let dead = 0
    this.states.forEach((s, offset) => {
      if (s.kind === 'delayed' || (s.kind === 'new' && offset >= this.cursor)) ready++
      else if (s.kind === 'leased') s.deadline > now ? inFlight++ : ready++
      else if (s.kind === 'dead') dead++
    })
    return { ready, inFlight, dead }
  }
}

type Op =
  | { op: 'receive'; member: string; max: number; visibility: number }
  | { op: 'ack'; member: string; picks: number[] }
  | { op: 'nack' | 'reject'; member: string; pick: number }
  | { op: 'extend'; member: string; pick: number }
  | { op: 'seek'; offset: number }
  | { op: 'wait'; ms: number }
  | { op: 'alarm' }

const member = fc.constantFrom('a', 'b')
const ops = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('receive' as const),
        member,
        max: fc.integer({ min: 1, max: 7 }),
        visibility: fc.constantFrom(1000, 3000),
      }),
    },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('ack' as const), member, picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('nack' as const, 'reject' as const), member, pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('extend' as const), member, pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('seek' as const), offset: fc.integer({ min: 0, max: RECORDS }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.constantFrom(500, 1500, 3500) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('alarm' as const) }) },
  ),
  { minLength: 5, maxLength: 40 },
) as fc.Arbitrary<Op[]>

describe('Queues > range bookkeeping (property)', () => {
  it('leases, settles, expires and counts records as a record-by-record model does', async () => {
    await fc.assert(
      fc.asyncProperty(ops, async (sequence) => {
        const name = uniqueName('model')
        await createQueue({ name, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: MAX_ATTEMPTS } })
        await send(
          name,
          Array.from({ length: RECORDS }, (_, i) => ({ value: i })),
        )
        const { stub } = await partition(name)
        await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
          const { log, queue } = partitionQueueIn(state)
          const model = new Model()
          const leases: Array<{ offset: number; token: string }> = []
          let now = Date.now()
          for (const step of sequence) {
            if (step.op === 'receive') {
              const expected = model.receive(step.max, now)
              const got = queue.receive({ group: GROUP, memberId: step.member, max: step.max, visibilityTimeoutMs: step.visibility }, now)
              const messages =
                got.count > 0 ? (JSON.parse(`[${got.messages}]`) as Array<{ leaseId: string; offset: number; deliveryCount: number }>) : []
              expect(messages.map((m) => ({ offset: m.offset, attempts: m.deliveryCount }))).toEqual(expected)
              for (const m of messages) {
                const token = m.leaseId.split(':')[2]!
                leases.push({ offset: m.offset, token })
                model.states[m.offset] = { kind: 'leased', member: step.member, token, deadline: now + step.visibility, attempts: m.deliveryCount }
              }
            } else if (step.op === 'ack' && leases.length > 0) {
              const picked = step.picks.map((p) => leases[p % leases.length]!)
              const answers = picked.map((l) => model.check(step.member, l.offset, l.token, now))
              const refusal = answers.find((a) => a !== 'ok')
              const got = queue.ack(GROUP, step.member, leaseSpans(picked), now)
              if (refusal) expect(got.ok ? 'ok' : got.error.code).toBe(refusal)
              else {
                expect(got).toEqual({ ok: true, value: { acked: picked.length } })
                for (const l of picked) model.states[l.offset] = { kind: 'done' }
              }
            } else if ((step.op === 'nack' || step.op === 'reject' || step.op === 'extend') && leases.length > 0) {
              const lease = leases[step.pick % leases.length]!
              const answer = model.check(step.member, lease.offset, lease.token, now)
              const got =
                step.op === 'nack'
                  ? queue.nack(GROUP, step.member, lease, 'boom', undefined, now)
                  : step.op === 'reject'
                    ? queue.reject(GROUP, step.member, lease, 'no', now)
                    : queue.extend(GROUP, step.member, lease, 2000, now)
              expect(got.ok ? 'ok' : got.error.code).toBe(answer)
              if (answer === 'ok' && step.op === 'extend') (model.states[lease.offset] as Held).deadline = now + 2000
              else if (answer === 'ok') model.fail(lease.offset, step.op === 'reject')
            } else if (step.op === 'seek') {
              queue.seek(GROUP, step.offset)
              model.seek(step.offset)
            } else if (step.op === 'wait') {
              now += step.ms
            } else if (step.op === 'alarm') {
              queue.failExpiredLeases(now)
              model.expire(now)
            }
            const stats = queue.stats(GROUP, now)
            const expected = model.stats(now)
            expect({ ready: stats.ready, inFlight: stats.inFlight, dead: log.deliveries.deadCount() }).toEqual(expected)
          }
        })
      }),
      { numRuns: 60 },
    )
  })
})
