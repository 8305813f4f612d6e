/**
 * The authentication middleware: establishes the request's Principal and tenant, or answers 401 (no or
 * bad credential), 400 (a credential in the URL) or 503 (auth required but misconfigured). Every failure
 * is audited. Only the liveness check and the API description (`/health`, `/openapi.json`, `/docs`) are
 * served without credentials when auth is required.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { grantsFrom } from '../../core/permissions.js'
import { DEFAULT_TENANT } from '../../core/object-names.js'
import { KafdoError } from '../../protocol/errors.js'
import { SYSTEM_TENANT, tenantSchema } from '../../protocol/tenants.js'
import { looksLikeApiKey, verifyApiKey } from '../../services/api-keys.js'
import { recordAudit } from '../../services/audit.js'
import type { AppEnv } from '../context.js'
import { authConfig, type AuthConfig } from './config.js'
import { verifyJwt } from './jwt.js'
import type { Principal } from './principal.js'

/**
 * Paths served without credentials: liveness, and the API description with its reference page, which
 * describe the API and no tenant's data (the same document is in the repository and the package).
 */
export function isPublicPath(path: string): boolean {
  return path === '/health' || path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/')
}

const URL_CREDENTIALS = ['access_token', 'token', 'api_key', 'apikey', 'key', 'jwt', 'id_token']

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticateRequest(c, next) {
    if (isPublicPath(c.req.path)) return next()
    const config = authConfig(c.env)
    if (config.problem) {
      console.error(JSON.stringify({ level: 'error', message: 'authentication misconfigured', problem: config.problem }))
      throw new KafdoError('SERVICE_UNAVAILABLE', `authentication is misconfigured: ${config.problem}`, { reason: 'AUTH_NOT_CONFIGURED' })
    }
    const inUrl = URL_CREDENTIALS.filter((name) => c.req.query(name) !== undefined)
    if (inUrl.length > 0) {
      await auditFailure(c, 'credentials in the URL')
      throw new KafdoError('INVALID_REQUEST', 'credentials must be sent in the Authorization header, never in the URL', { parameters: inUrl })
    }
    const principal = config.mode === 'none' ? anonymous() : await identify(c, config)
    c.set('principal', principal)
    c.set('tenant', await tenantFor(c, principal))
    return next()
  }
}

function anonymous(): Principal {
  return { subject: 'anonymous', via: 'none', tenant: DEFAULT_TENANT, grants: grantsFrom(['platform:admin']) }
}

async function identify(c: Context<AppEnv>, config: AuthConfig): Promise<Principal> {
  const header = c.req.header('authorization')
  const credential = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? c.req.header('x-api-key')
  if (!credential) {
    await auditFailure(c, header ? 'malformed Authorization header' : 'no credentials')
    throw unauthenticated(header ? 'the Authorization header must be "Bearer <token or API key>"' : 'credentials are required')
  }
  if (config.bootstrapKey && constantTimeEqual(credential, config.bootstrapKey)) {
    return { subject: 'bootstrap', via: 'bootstrap', tenant: DEFAULT_TENANT, grants: grantsFrom(['platform:admin']) }
  }
  if (looksLikeApiKey(credential)) {
    const checked = await verifyApiKey(c.env, credential)
    if (!checked.ok) {
      await auditFailure(c, checked.reason, checked.keyId)
      throw unauthenticated(checked.reason)
    }
    const key = checked.record
    return { subject: `apikey:${key.keyId}`, via: 'apikey', keyId: key.keyId, tenant: key.tenant, grants: grantsFrom(key.permissions, config.roles) }
  }
  const checked = await verifyJwt(credential, config)
  if (!checked.ok) {
    await auditFailure(c, checked.reason)
    throw unauthenticated(checked.reason)
  }
  const claims = checked.claims
  const tenantClaim = claims[config.tenantClaim]
  const tenant = typeof tenantClaim === 'string' ? tenantClaim : DEFAULT_TENANT
  if (!tenantSchema.safeParse(tenant).success) {
    await auditFailure(c, 'token names an invalid tenant')
    throw unauthenticated('the token names an invalid tenant')
  }
  return { subject: claims.sub ?? 'unknown', via: 'jwt', tenant, grants: grantsFrom(roleEntries(claims, config.rolesClaim), config.roles) }
}

/** Roles and permissions from the configured claim plus the standard `scope`/`scp` claims. */
function roleEntries(claims: Record<string, unknown>, rolesClaim: string): string[] {
  const entries: string[] = []
  for (const name of new Set([rolesClaim, 'scope', 'scp'])) {
    const value = claims[name]
    if (typeof value === 'string') entries.push(...value.split(/\s+/).filter(Boolean))
    else if (Array.isArray(value)) entries.push(...value.filter((v): v is string => typeof v === 'string'))
  }
  return entries
}

/** The tenant to act in: the credential's own, or one a platform admin names with `?tenant=`. */
async function tenantFor(c: Context<AppEnv>, principal: Principal): Promise<string> {
  const requested = c.req.query('tenant')
  if (requested === undefined || requested === principal.tenant) return principal.tenant
  if (!principal.grants.some((grant) => grant.action === 'platform:admin')) {
    await recordAudit(c.env, {
      tenant: principal.tenant,
      actor: actorOf(principal),
      action: 'tenant:switch',
      target: requested,
      result: 'denied',
      requestId: c.get('requestId'),
      details: { missing: 'platform:admin' },
    })
    throw new KafdoError('FORBIDDEN', 'acting in another tenant needs the platform:admin permission', { missing: 'platform:admin' })
  }
  if (requested !== SYSTEM_TENANT && !tenantSchema.safeParse(requested).success) {
    throw new KafdoError('INVALID_REQUEST', `'${requested}' is not a valid tenant`, { tenant: requested })
  }
  return requested
}

export function actorOf(principal: Principal): Principal extends infer P ? Pick<Principal, 'subject' | 'via' | 'keyId'> : never {
  return principal.keyId === undefined
    ? { subject: principal.subject, via: principal.via }
    : { subject: principal.subject, via: principal.via, keyId: principal.keyId }
}

/**
 * Authentication failures are audited at most AUDIT_FAILURES_PER_SECOND times a second per isolate, so a
 * flood of bad credentials cannot turn into a flood of writes to the `_system` trail; the next entry
 * written says how many were left out.
 */
const AUDIT_FAILURES_PER_SECOND = 20
const failureBudget = { second: 0, used: 0, suppressed: 0 }

export async function auditFailure(c: Context<AppEnv>, reason: string, keyId?: string): Promise<void> {
  const second = Math.floor(Date.now() / 1000)
  if (failureBudget.second !== second) {
    failureBudget.second = second
    failureBudget.used = 0
  }
  if (failureBudget.used >= AUDIT_FAILURES_PER_SECOND) {
    failureBudget.suppressed += 1
    return
  }
  failureBudget.used += 1
  const suppressed = failureBudget.suppressed
  failureBudget.suppressed = 0
  await recordAudit(c.env, {
    tenant: SYSTEM_TENANT,
    actor: keyId === undefined ? { subject: 'unknown', via: 'unauthenticated' } : { subject: `apikey:${keyId}`, via: 'unauthenticated', keyId },
    action: 'auth',
    target: `${c.req.method} ${c.req.path}`,
    result: 'failure',
    requestId: c.get('requestId'),
    details: { reason, ip: c.req.header('cf-connecting-ip') ?? null, ...(suppressed > 0 ? { suppressedBefore: suppressed } : {}) },
  })
}

function unauthenticated(reason: string): KafdoError {
  return new KafdoError('UNAUTHENTICATED', `authentication failed: ${reason}`, { reason })
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a)
  const right = new TextEncoder().encode(b)
  return left.length === right.length && crypto.subtle.timingSafeEqual(left, right)
}
