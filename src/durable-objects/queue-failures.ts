/**
 * What a failed attempt does to records in flight: a nack, a reject, a lease that ran out, or a record
 * found undeliverable. The records are redelivered after the retry policy's delay, or die when their
 * attempts are used up (or at once, for a reject): with a DLQ they become dead with a dead-letter
 * sequence number, in the same transaction, so dead-letters.ts writes them to the DLQ exactly once;
 * without one they are dropped, as a Kafka share group archives a record. A lease that ran out keeps
 * its holder and token on its records, so its holder is told LEASE_EXPIRED until they are leased again,
 * and when its records die it is remembered for a day (expired-lease-store.ts).
 */
import { exhausted, retryDelay } from '../core/backoff.js'
import { fieldsOf, type DeliveryFields, type RangeChange } from '../core/delivery-ranges.js'
import type { QueuePolicy } from '../protocol/queues.js'
import type { DeliveryStore } from '../storage/delivery-store.js'
import type { PartitionStore } from '../storage/partition-store.js'

/** How long a lease whose expiry dead-lettered or dropped its records is still told LEASE_EXPIRED. */
export const EXPIRED_LEASE_MEMORY_MS = 86_400_000

/** Records `first..last` of a group failed an attempt, alike; `fields` is what became of them. */
export interface QueueFailure {
  group: string
  first: number
  last: number
  fields: DeliveryFields
  outcome: 'delayed' | 'dead-lettered' | 'dropped'
  /** The lease ran out (rather than a nack, reject or an undeliverable record). */
  expired: boolean
  /** The records used up the retry policy's attempts (a reject or an undeliverable record has not). */
  exhausted: boolean
}

export interface FailOptions {
  /** Redeliver after this long rather than the policy's delay (a nack's own `delayMs`). */
  delayMs?: number
  /** Dead at once, whatever attempts are left (a reject, an undeliverable record). */
  dead?: boolean
  /** The lease ran out. */
  expired?: boolean
  /** The dead-letter sequence of records that die: one per transaction, shared by what dies in it. */
  dlqSequence?: () => number
}

/** What a failure needs from the partition. */
export interface FailureHost {
  readonly store: PartitionStore
  readonly deliveries: DeliveryStore
  policy(): QueuePolicy
  /** Told of every failure (for metrics and alerts); called inside the transaction, so memory only. */
  onFailure?(failure: QueueFailure): void
}

/**
 * A failed attempt of records `first..last` of `group`, which had `fields`: the change to apply to their
 * range, in the caller's transaction (the expired lease is remembered here, in it too).
 */
export function failRecords(
  host: FailureHost,
  group: string,
  fields: DeliveryFields,
  span: { first: number; last: number },
  error: string,
  now: number,
  options: FailOptions,
): RangeChange {
  const { first, last } = span
  const policy = host.policy()
  const failed: DeliveryFields = {
    ...fieldsOf(fields),
    ...(options.expired ? {} : { memberId: null, token: null }),
    firstFailureAt: fields.firstFailureAt ?? now,
    lastFailureAt: now,
    lastError: error.slice(0, 4096),
  }
  const used = !options.dead && exhausted(policy.retry, fields.attempts)
  const told = (outcome: QueueFailure['outcome'], after: DeliveryFields) =>
    host.onFailure?.({ group, first, last, fields: after, outcome, expired: options.expired === true, exhausted: used })
  if (options.dead || used) {
    if (options.expired && fields.token !== null) {
      const outcome = policy.deadLetter.enabled ? 'dead-lettered' : 'dropped'
      host.deliveries.expired.remember(
        group,
        { first, last, token: fields.token },
        { memberId: fields.memberId, expiredAt: now, outcome },
        now - EXPIRED_LEASE_MEMORY_MS,
      )
    }
    if (!policy.deadLetter.enabled) {
      told('dropped', { ...failed, state: 'dead' })
      return { first, last, fields: null }
    }
    const dlqSequence = options.dlqSequence?.() ?? host.store.nextDlqSequence()
    const dead: DeliveryFields = { ...failed, state: 'dead', visibleAt: null, dlqSequence }
    told('dead-lettered', dead)
    return { first, last, fields: dead }
  }
  const delay = options.delayMs ?? retryDelay(policy.retry, fields.attempts)
  const delayed: DeliveryFields = { ...failed, state: 'delayed', visibleAt: now + delay }
  told('delayed', delayed)
  return { first, last, fields: delayed }
}
