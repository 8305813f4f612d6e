/**
 * Authorization checks for route handlers. A missing permission is a 403 whose body names it, and is
 * audited. Internal topics (`__audit`) follow `core/internal-topics.ts`: some actions are refused to
 * everyone (before any quota is charged), the rest need `admin` or `platform:admin`. Successful changes
 * are audited with `audited`.
 */
import type { Context } from 'hono'
import { internalTopicRefusal, permissionNeeded } from '../core/internal-topics.js'
import { isAllowed, matchesPattern, type Action } from '../core/permissions.js'
import { KafdoError } from '../protocol/errors.js'
import { isInternalTopic } from '../protocol/topics.js'
import { recordAudit } from '../services/audit.js'
import { actorOf } from './auth/authenticate.js'
import type { AppEnv } from './context.js'

export async function authorize(c: Context<AppEnv>, action: Action, resource?: string): Promise<void> {
  const principal = c.get('principal')
  const refusal = resource === undefined ? undefined : internalTopicRefusal(action, resource)
  let error: KafdoError
  if (refusal) error = KafdoError.from(refusal)
  else {
    const needed = permissionNeeded(action, resource)
    if (isAllowed(principal.grants, needed, resource)) return
    const missing = resource === undefined || needed !== action ? needed : `${needed}@${resource}`
    error = new KafdoError('FORBIDDEN', `missing permission ${missing}`, { missing })
  }
  await recordAudit(c.env, {
    tenant: c.get('tenant'),
    actor: actorOf(principal),
    action,
    ...(resource !== undefined ? { target: resource } : {}),
    result: 'denied',
    requestId: c.get('requestId'),
    details: error.details ?? {},
  })
  throw error
}

/** Keeps the names the caller may see for `action` (list endpoints show only what one may read). */
export function visible<T>(c: Context<AppEnv>, action: Action, items: T[], name: (item: T) => string): T[] {
  const grants = c.get('principal').grants
  if (isAllowed(grants, 'admin')) return items
  return items.filter((item) => {
    const n = name(item)
    return !isInternalTopic(n) && grants.some((grant) => grant.action === action && matchesPattern(grant.pattern, n))
  })
}

/** Records a successful change in the audit trail. */
export async function audited(c: Context<AppEnv>, action: string, target: string, details?: Record<string, unknown>): Promise<void> {
  await recordAudit(c.env, {
    tenant: c.get('tenant'),
    actor: actorOf(c.get('principal')),
    action,
    target,
    result: 'success',
    requestId: c.get('requestId'),
    ...(details ? { details } : {}),
  })
}
