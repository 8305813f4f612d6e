/**
 * API keys: `kfd_<keyId>_<tenant>_<secret>`, shown once at creation and stored only as a SHA-256 hash in
 * the tenant's metadata object, compared in constant time. The key names its tenant, so checking it asks
 * that tenant's object alone. Keys minted before keys named their tenant (`kfd_<keyId>_<secret>`) keep
 * working: the cluster directory tells their tenant once per isolate. Verified keys are cached in the
 * isolate for a short while; a revocation therefore takes effect everywhere within API_KEY_CACHE_MS.
 */
import { covers, formatGrant, grantsFrom, type Grant } from '../core/permissions.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError, type ErrorPayload } from '../protocol/errors.js'
import type { ApiKeyRecord } from '../protocol/metadata-rpc.js'
import type { ApiKeyDescription, CreatedApiKey } from '../protocol/tenants.js'
import { attempt, call, directoryStub, metadataStub } from './stubs.js'

export const API_KEY_PREFIX = 'kfd_'
export const API_KEY_CACHE_MS = 30_000
const SECRET_LENGTH = 43
/** `kfd_`, the key id, then (in current keys) the tenant, then the 43-character secret, which may hold `_` itself. */
const KEY_PATTERN = /^kfd_([0-9a-f]{16})_(?:([a-z0-9_][a-z0-9_-]{0,62})_)?([A-Za-z0-9_-]{43})$/
const CACHE_LIMIT = 10_000

const cache = new Map<string, { record: ApiKeyRecord | null; expiresAt: number }>()
/** The tenants of keys of the older form, as the directory told them: a key never changes tenant. */
const legacyTenants = new Map<string, { tenant: string | null; expiresAt: number }>()
/** Deployments (by their metadata binding) whose directory knows no key of the older form. */
const noLegacyKeys = new WeakSet<object>()

export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX)
}

/** The key id and the tenant a presented key names (none for keys of the older form), or undefined if malformed. */
export function parseApiKey(presented: string): { keyId: string; tenant: string | undefined } | undefined {
  const match = KEY_PATTERN.exec(presented)
  if (!match) return undefined
  // A key of the older form is exactly the id and the secret; the tenant part is what lies between.
  const tenant = presented.length === API_KEY_PREFIX.length + 17 + SECRET_LENGTH ? undefined : match[2]
  return { keyId: match[1]!, tenant }
}

export type ApiKeyCheck = { ok: true; record: ApiKeyRecord } | { ok: false; reason: string; keyId?: string }

/** Checks a presented key: well-formed, known, hash equal (constant time), not revoked, not expired. */
export async function verifyApiKey(env: KafdoBindings, presented: string, now = Date.now()): Promise<ApiKeyCheck> {
  const parsed = parseApiKey(presented)
  if (!parsed) return { ok: false, reason: 'malformed API key' }
  const { keyId } = parsed
  const tenant = parsed.tenant ?? (await legacyTenantOf(env, keyId, now))
  const cacheKey = `${tenant}/${keyId}`
  let entry = cache.get(cacheKey)
  if (!entry || entry.expiresAt <= now) {
    const record = tenant === null ? null : await attempt(() => metadataStub(env, tenant).apiKey(tenant, keyId))
    entry = { record, expiresAt: now + API_KEY_CACHE_MS }
    // Bounded: a flood of made-up key ids must not grow the isolate's memory.
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(cacheKey, entry)
  }
  const record = entry.record
  const hash = await sha256Hex(presented)
  // Compare against a stand-in for unknown keys too, so timing does not tell known ids from unknown.
  const equal = timingSafeEqual(hash, record?.hash ?? '0'.repeat(64))
  if (!record || !equal) return { ok: false, reason: 'unknown API key', keyId }
  if (record.revokedAt !== null) return { ok: false, reason: 'revoked API key', keyId }
  if (record.expiresAt !== null && record.expiresAt <= now) return { ok: false, reason: 'expired API key', keyId }
  return { ok: true, record }
}

/**
 * A key of the older form: its tenant, asked of the directory once per isolate (unknown ids again after a
 * while). Once the directory says no such key exists, none ever will, and it is not asked again.
 */
async function legacyTenantOf(env: KafdoBindings, keyId: string, now: number): Promise<string | null> {
  if (noLegacyKeys.has(env.CLUSTER_METADATA)) return null
  const known = legacyTenants.get(keyId)
  if (known && (known.tenant !== null || known.expiresAt > now)) return known.tenant
  const { tenant, any } = await attempt(() => directoryStub(env).legacyKeyTenant(keyId))
  if (!any) noLegacyKeys.add(env.CLUSTER_METADATA)
  if (legacyTenants.size >= CACHE_LIMIT) legacyTenants.clear()
  legacyTenants.set(keyId, { tenant, expiresAt: now + API_KEY_CACHE_MS })
  return tenant
}

export type { CreatedApiKey }

/** Creates a key for `tenant` holding `permissions`, each of which the creator must hold itself. */
export async function createApiKey(
  env: KafdoBindings,
  tenant: string,
  creator: { subject: string; grants: readonly Grant[] },
  request: { name: string; permissions: string[]; expiresInSeconds?: number | undefined },
  roles?: Record<string, string[]>,
): Promise<CreatedApiKey> {
  const problem = keyPermissionProblem(creator.grants, request.permissions, roles)
  if (problem) throw KafdoError.from(problem)
  const keyId = hex(crypto.getRandomValues(new Uint8Array(8)))
  const key = `${API_KEY_PREFIX}${keyId}_${tenant}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`
  const now = Date.now()
  const record: ApiKeyRecord = {
    keyId,
    tenant,
    name: request.name,
    hash: await sha256Hex(key),
    permissions: request.permissions,
    createdBy: creator.subject,
    createdAt: now,
    expiresAt: request.expiresInSeconds ? now + request.expiresInSeconds * 1000 : null,
    revokedAt: null,
  }
  await attempt(() => metadataStub(env, tenant).insertApiKey(record))
  return { ...describeApiKey(record), key }
}

/** Why a key cannot hold `permissions`: an unknown permission or role, or one its creator does not hold. */
export function keyPermissionProblem(
  creatorGrants: readonly Grant[],
  permissions: readonly string[],
  roles?: Record<string, string[]>,
): ErrorPayload | undefined {
  const unknown = permissions.filter((permission) => grantsFrom([permission], roles).length === 0)
  if (unknown.length > 0) return { code: 'INVALID_REQUEST', message: `unknown permissions or roles: ${unknown.join(', ')}`, details: { unknown } }
  const excess = grantsFrom(permissions, roles)
    .filter((grant) => !covers(creatorGrants, grant))
    .map(formatGrant)
  if (excess.length === 0) return undefined
  return {
    code: 'FORBIDDEN',
    message: `an API key cannot get permissions its creator does not hold: ${excess.join(', ')}`,
    details: { missing: excess },
  }
}

export async function listApiKeys(env: KafdoBindings, tenant: string): Promise<ApiKeyDescription[]> {
  return (await attempt(() => metadataStub(env, tenant).listApiKeys(tenant))).map(describeApiKey)
}

export async function revokeApiKey(env: KafdoBindings, tenant: string, keyId: string): Promise<void> {
  await call(() => metadataStub(env, tenant).revokeApiKey(tenant, keyId))
  cache.delete(`${tenant}/${keyId}`)
}

export function describeApiKey({ hash: _hash, ...record }: ApiKeyRecord): ApiKeyDescription {
  return record
}

async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))))
}

function timingSafeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a)
  const right = new TextEncoder().encode(b)
  if (left.length !== right.length) return false
  return crypto.subtle.timingSafeEqual(left, right)
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
}
