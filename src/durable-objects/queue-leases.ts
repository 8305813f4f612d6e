/**
 * Whether a consumer holds the leases it presents (to ack, nack, reject or extend), and if not, which
 * error says why:
 * - `LEASE_NOT_HELD` (409): the lease was given to another consumer id.
 * - `LEASE_EXPIRED` (409): the lease's visibility timeout passed. Told until the record is leased again
 *   (its range keeps the expired lease), or, when the expiry used up the record's attempts and it was
 *   dead-lettered or dropped, for a day after the expiry (`expired_lease_ranges`).
 * - `UNKNOWN_LEASE` (404): no such lease: settled already (ack, nack, reject), re-leased after it
 *   expired, forgotten, or never given.
 * A lease id names a record (`partition:offset:token`); the token is that of the receive that leased it,
 * shared by the records it leased, so leases travel as spans of consecutive offsets with one token. The
 * checks read the ranges the spans fall in with one query, look at each range once, and change nothing.
 */
import { rangeAt, type DeliveryRange } from '../core/delivery-ranges.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import type { LeaseRef, LeaseSpan } from '../protocol/queue-rpc.js'
import type { DeliveryStore } from '../storage/delivery-store.js'
import { EXPIRED_LEASE_MEMORY_MS } from './queue-failures.js'

/**
 * The ranges around `spans` (read once, to change afterwards) if `memberId` holds every lease in them now;
 * otherwise the first problem, in the order given (offset by offset within a span).
 */
export function heldLeases(
  deliveries: DeliveryStore,
  partition: number,
  group: string,
  memberId: string,
  spans: readonly LeaseSpan[],
  now: number,
): Result<DeliveryRange[]> {
  if (spans.length === 0) return ok([])
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  for (const span of spans) {
    first = Math.min(first, span.first)
    last = Math.max(last, span.last)
  }
  const ranges = deliveries.around(group, first, last)
  for (const span of spans) {
    for (let offset = span.first; offset <= span.last;) {
      const lease = { offset, token: span.token }
      const range = rangeAt(ranges, offset)
      if (range && range.token === span.token) {
        if (range.memberId !== memberId) return notHeld(lease, memberId)
        if (range.state === 'delayed') return expired(lease, { redeliverAt: range.visibleAt }, 'the record will be delivered again')
        if (range.state === 'dead') return expired(lease, { deadLettered: true }, 'it used up its attempts and goes to the dead-letter queue')
        if (range.visibleAt !== null && range.visibleAt <= now) return expired(lease, {}, 'the record will be delivered again')
        // Every offset of the range is held alike.
        offset = range.last + 1
        continue
      }
      return gone(deliveries, partition, group, memberId, lease, now)
    }
  }
  return ok(ranges)
}

/** Why a lease no range holds is refused: remembered as expired (its records died), or unknown. */
function gone(deliveries: DeliveryStore, partition: number, group: string, memberId: string, lease: LeaseRef, now: number): Result<never> {
  const remembered = deliveries.expired.find(group, lease.offset, lease.token, now - EXPIRED_LEASE_MEMORY_MS)
  if (!remembered) {
    return fail('UNKNOWN_LEASE', `no lease ${partition}:${lease.offset}:${lease.token} in group '${group}' (settled already, or leased again)`, {
      offset: lease.offset,
    })
  }
  if (remembered.memberId !== memberId) return notHeld(lease, memberId)
  return remembered.outcome === 'dead-lettered'
    ? expired(lease, { deadLettered: true }, 'it used up its attempts and was dead-lettered')
    : expired(lease, { dropped: true }, 'it used up its attempts and was dropped (the queue has no dead-letter queue)')
}

function notHeld(lease: LeaseRef, memberId: string): Result<never> {
  return fail('LEASE_NOT_HELD', `lease on offset ${lease.offset} is not held by '${memberId}'`, { offset: lease.offset })
}

function expired(lease: LeaseRef, details: Record<string, unknown>, outcome: string): Result<never> {
  return fail('LEASE_EXPIRED', `lease on offset ${lease.offset} expired (its visibility timeout passed); ${outcome}`, {
    offset: lease.offset,
    ...details,
  })
}
