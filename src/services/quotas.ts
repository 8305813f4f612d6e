/**
 * Tenant quotas. Limits on topics, partitions, retention and message size are enforced by
 * ClusterMetadataDO when topics change (422 POLICY_VIOLATION). Rates (produce bytes and records per
 * second, fetch bytes per second) are token buckets in the tenant's own TenantQuotaDO, so only tenants
 * with rate quotas pay a call there, and no tenant's traffic passes through a cluster-wide object. Over
 * a rate: 429 THROTTLING_QUOTA_EXCEEDED with Retry-After, and nothing written.
 */
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import type { TenantQuotas } from '../protocol/tenants.js'
import { attempt, metadataStub, quotaStub } from './stubs.js'

const QUOTA_CACHE_MS = 5_000
const cache = new Map<string, { quotas: TenantQuotas; expiresAt: number }>()

export async function quotasOf(env: KafdoBindings, tenant: string): Promise<TenantQuotas> {
  const hit = cache.get(tenant)
  if (hit && hit.expiresAt > Date.now()) return hit.quotas
  const quotas = await attempt(() => metadataStub(env, tenant).quotas(tenant))
  cache.set(tenant, { quotas, expiresAt: Date.now() + QUOTA_CACHE_MS })
  return quotas
}

export async function setQuotas(env: KafdoBindings, tenant: string, quotas: TenantQuotas): Promise<TenantQuotas> {
  const saved = await attempt(() => metadataStub(env, tenant).setQuotas(tenant, quotas))
  cache.set(tenant, { quotas: saved, expiresAt: Date.now() + QUOTA_CACHE_MS })
  return saved
}

export async function chargeTenant(env: KafdoBindings, tenant: string, usage: { bytes: number; records: number }): Promise<void> {
  const quotas = await quotasOf(env, tenant)
  const charges = [
    ...(quotas.produceBytesPerSec ? [{ bucket: 'produce-bytes', amount: usage.bytes, ratePerSec: quotas.produceBytesPerSec }] : []),
    ...(quotas.produceRecordsPerSec ? [{ bucket: 'produce-records', amount: usage.records, ratePerSec: quotas.produceRecordsPerSec }] : []),
  ]
  const stub = charges.length > 0 ? quotaStub(env, tenant) : undefined
  if (!stub) return
  const decision = await attempt(() => stub.charge(charges))
  if (!decision.ok) throw throttled(decision.bucket, decision.retryAfterMs)
}

export async function fetchAllowed(env: KafdoBindings, tenant: string): Promise<void> {
  const { fetchBytesPerSec } = await quotasOf(env, tenant)
  const stub = fetchBytesPerSec ? quotaStub(env, tenant) : undefined
  if (!stub || !fetchBytesPerSec) return
  const decision = await attempt(() => stub.inDebt('fetch-bytes', fetchBytesPerSec))
  if (!decision.ok) throw throttled(decision.bucket, decision.retryAfterMs)
}

export async function recordFetch(env: KafdoBindings, tenant: string, bytes: number): Promise<void> {
  const { fetchBytesPerSec } = await quotasOf(env, tenant)
  const stub = fetchBytesPerSec ? quotaStub(env, tenant) : undefined
  if (!stub || !fetchBytesPerSec) return
  await attempt(() => stub.consume({ bucket: 'fetch-bytes', amount: bytes, ratePerSec: fetchBytesPerSec }))
}

function throttled(bucket: string, retryAfterMs: number): KafdoError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
  return new KafdoError('THROTTLING_QUOTA_EXCEEDED', `tenant rate quota exceeded (${bucket}); retry in ${retryAfterSeconds} s`, {
    bucket,
    retryAfterSeconds,
  })
}
