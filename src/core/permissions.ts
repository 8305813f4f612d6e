/**
 * Role-based access control, as pure functions. A permission is `<action>` or `<action>@<pattern>`: the
 * action, and the topic names (or group ids, for group actions) it covers, as a glob where `*` matches
 * any run of characters. `admin` covers every action of its tenant; `platform:admin` also lets a caller
 * act in other tenants (explicitly, with `?tenant=`). Roles are named sets of permissions; the seed's
 * OIDC scopes (`kafka_producer:write`, `kafka_consumer:read`) are roles.
 */

export const ACTIONS = [
  'topic:create',
  'topic:delete',
  'topic:read',
  'topic:config',
  'produce',
  'consume',
  'group:read',
  'group:admin',
  'apikey:admin',
  /** Read `/metrics` and health answers of the whole tenant (a Prometheus scrape credential needs only this). */
  'metrics:read',
  /** Manage alert webhook subscriptions. */
  'webhook:admin',
  'admin',
  'platform:admin',
] as const
export type Action = (typeof ACTIONS)[number]

const TENANT_WIDE: readonly Action[] = ['admin', 'platform:admin', 'apikey:admin', 'metrics:read', 'webhook:admin']

export interface Grant {
  action: Action
  /** Glob over topic names or group ids; `*` when the permission names none. */
  pattern: string
}

/** Built-in roles. Deployments add or override roles with the ROLES setting (JSON). */
export const DEFAULT_ROLES: Record<string, string[]> = {
  'kafka_producer:write': ['produce', 'topic:read'],
  'kafka_consumer:read': ['consume', 'topic:read', 'group:read'],
  'kafdo:viewer': ['topic:read', 'group:read', 'metrics:read'],
  'kafdo:operator': ['topic:create', 'topic:delete', 'topic:config', 'topic:read', 'group:read', 'group:admin', 'metrics:read', 'webhook:admin'],
  /** For a Prometheus scrape credential: `/metrics` and health, nothing else. */
  'kafdo:metrics': ['metrics:read'],
  'kafdo:admin': ['admin'],
  'kafdo:platform-admin': ['platform:admin'],
}

export function parsePermission(permission: string): Grant | undefined {
  const at = permission.indexOf('@')
  const action = (at < 0 ? permission : permission.slice(0, at)) as Action
  const pattern = at < 0 ? '*' : permission.slice(at + 1)
  if (!(ACTIONS as readonly string[]).includes(action) || pattern === '' || pattern.length > 256) return undefined
  // These act on the whole tenant (or all tenants): a pattern would suggest a limit they do not have.
  if (at >= 0 && TENANT_WIDE.includes(action)) return undefined
  return { action, pattern }
}

/** Expands role names and permission strings into grants; unknown entries are ignored. */
export function grantsFrom(entries: readonly string[], roles: Record<string, string[]> = DEFAULT_ROLES): Grant[] {
  const grants: Grant[] = []
  for (const entry of entries) {
    const role = Object.hasOwn(roles, entry) ? roles[entry] : undefined
    for (const permission of role ?? [entry]) {
      const grant = parsePermission(permission)
      if (grant) grants.push(grant)
    }
  }
  return grants
}

/** Glob match where `*` is any run of characters, in linear time (no regex backtracking). */
export function matchesPattern(pattern: string, name: string): boolean {
  if (pattern === '*') return true
  const parts = pattern.split('*')
  if (parts.length === 1) return pattern === name
  const first = parts[0]!
  const last = parts[parts.length - 1]!
  if (!name.startsWith(first) || !name.endsWith(last) || name.length < first.length + last.length) return false
  // Middle parts, leftmost-first between the fixed prefix and suffix: greedy is enough for `*` globs.
  let at = first.length
  const end = name.length - last.length
  for (const part of parts.slice(1, -1)) {
    const found = name.indexOf(part, at)
    if (found < 0 || found + part.length > end) return false
    at = found + part.length
  }
  return true
}

/** Whether the grants allow `action` on `resource` (a topic name or group id; omitted for tenant-wide actions). */
export function isAllowed(grants: readonly Grant[], action: Action, resource?: string): boolean {
  return grants.some(
    (grant) =>
      grant.action === 'platform:admin' ||
      (grant.action === 'admin' && action !== 'platform:admin') ||
      (grant.action === action && (resource === undefined || matchesPattern(grant.pattern, resource))),
  )
}

/** Whether `holder` may hand out `grant` (an API key never gets more than its creator has). */
export function covers(holder: readonly Grant[], grant: Grant): boolean {
  if (holder.some((g) => g.action === 'platform:admin')) return true
  if (grant.action === 'platform:admin') return false
  if (holder.some((g) => g.action === 'admin')) return true
  return holder.some((g) => g.action === grant.action && (g.pattern === '*' || g.pattern === grant.pattern))
}

export function formatGrant(grant: Grant): string {
  return grant.pattern === '*' ? grant.action : `${grant.action}@${grant.pattern}`
}
