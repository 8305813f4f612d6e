/**
 * TenantQuotaDO: one per tenant (never one for the cluster), holding token buckets for the tenant's
 * rate quotas. Only tenants that have rate quotas are routed here. The buckets live in memory: a
 * restarted object starts with full buckets, which errs towards letting traffic through.
 */
import { DurableObject } from 'cloudflare:workers'
import type { KafdoEnv } from '../env.js'
import type { QuotaCharge, QuotaDecision } from '../protocol/tenant-rpc.js'

const ALLOWED: QuotaDecision = { ok: true, bucket: '', retryAfterMs: 0 }

interface Bucket {
  tokens: number
  updatedAt: number
}

/** A bucket holds one second of its rate; a request bigger than that passes only from a full bucket. */
const BURST_SECONDS = 1

export class TenantQuotaDO extends DurableObject<KafdoEnv> {
  #buckets = new Map<string, Bucket>()

  /** Takes every charge, or none of them when one bucket would go into debt. */
  charge(charges: QuotaCharge[], now = Date.now()): QuotaDecision {
    const refilled = charges.map((charge) => ({ charge, bucket: this.#refill(charge, now) }))
    for (const { charge, bucket } of refilled) {
      const capacity = charge.ratePerSec * BURST_SECONDS
      const needed = Math.min(charge.amount, capacity)
      if (bucket.tokens < needed) {
        return { ok: false, bucket: charge.bucket, retryAfterMs: Math.ceil(((needed - bucket.tokens) / charge.ratePerSec) * 1000) }
      }
    }
    for (const { charge, bucket } of refilled) bucket.tokens -= charge.amount
    return ALLOWED
  }

  /** Whether a bucket is out of tokens (for reads, charged after the fact). */
  inDebt(bucket: string, ratePerSec: number, now = Date.now()): QuotaDecision {
    const state = this.#refill({ bucket, amount: 0, ratePerSec }, now)
    return state.tokens > 0 ? ALLOWED : { ok: false, bucket, retryAfterMs: Math.ceil((-state.tokens / ratePerSec) * 1000) + 1 }
  }

  /** Records usage that has already happened (may leave the bucket in debt). */
  consume(charge: QuotaCharge, now = Date.now()): void {
    this.#refill(charge, now).tokens -= charge.amount
  }

  #refill(charge: QuotaCharge, now: number): Bucket {
    const capacity = charge.ratePerSec * BURST_SECONDS
    let bucket = this.#buckets.get(charge.bucket)
    if (!bucket) {
      bucket = { tokens: capacity, updatedAt: now }
      this.#buckets.set(charge.bucket, bucket)
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * charge.ratePerSec)
    bucket.updatedAt = now
    return bucket
  }
}
