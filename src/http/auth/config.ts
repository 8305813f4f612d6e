/**
 * Authentication settings, read from the Worker's vars and secrets once per env object and checked: a
 * deployment that requires auth but names no way to verify a credential is refused at every request
 * (503) rather than left open.
 */
import { DEFAULT_ROLES } from '../../core/permissions.js'
import type { KafdoEnv } from '../../env.js'

export interface AuthConfig {
  mode: 'none' | 'required'
  jwtSecret: Uint8Array | undefined
  jwksUrl: URL | undefined
  jwksJson: { keys: JsonWebKey[] } | undefined
  issuer: string | undefined
  audience: string | undefined
  algorithms: string[]
  rolesClaim: string
  tenantClaim: string
  clockToleranceSeconds: number
  roles: Record<string, string[]>
  bootstrapKey: string | undefined
  /** Why the settings cannot work, if they cannot. */
  problem: string | undefined
}

/** Algorithms we accept at all; `none` and the HMAC/RSA confusion are ruled out by keeping them apart. */
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA']
const SYMMETRIC = ['HS256', 'HS384', 'HS512']

const cache = new WeakMap<object, AuthConfig>()

export function authConfig(env: KafdoEnv): AuthConfig {
  let config = cache.get(env)
  if (!config) {
    config = readConfig(env)
    cache.set(env, config)
  }
  return config
}

function readConfig(env: KafdoEnv): AuthConfig {
  const problems: string[] = []
  const mode = env.AUTH_MODE === undefined || env.AUTH_MODE === '' ? 'required' : env.AUTH_MODE
  if (mode !== 'none' && mode !== 'required') problems.push(`AUTH_MODE must be 'required' or 'none', not '${mode}'`)
  const jwtSecret = env.JWT_SECRET ? new TextEncoder().encode(env.JWT_SECRET) : undefined
  if (jwtSecret && jwtSecret.length < 32) problems.push('JWT_SECRET must be at least 32 bytes')
  let jwksUrl: URL | undefined
  if (env.JWKS_URL) {
    try {
      jwksUrl = new URL(env.JWKS_URL)
      if (jwksUrl.protocol !== 'https:' && jwksUrl.hostname !== 'localhost') problems.push('JWKS_URL must use https')
    } catch {
      problems.push('JWKS_URL is not a URL')
    }
  }
  let jwksJson: AuthConfig['jwksJson']
  if (env.JWKS) {
    try {
      jwksJson = JSON.parse(env.JWKS) as { keys: JsonWebKey[] }
      if (!Array.isArray(jwksJson.keys)) problems.push('JWKS must be a JSON Web Key Set ({"keys": [...]})')
    } catch {
      problems.push('JWKS is not valid JSON')
    }
  }
  const defaults = [...(jwtSecret ? ['HS256'] : []), ...(jwksUrl || jwksJson ? ['RS256', 'ES256'] : [])]
  const algorithms = env.JWT_ALGORITHMS
    ? env.JWT_ALGORITHMS.split(',')
        .map((a) => a.trim())
        .filter(Boolean)
    : defaults
  for (const algorithm of algorithms) {
    if (SYMMETRIC.includes(algorithm) && !jwtSecret) problems.push(`JWT_ALGORITHMS lists ${algorithm} but JWT_SECRET is not set`)
    else if (ASYMMETRIC.includes(algorithm) && !jwksUrl && !jwksJson)
      problems.push(`JWT_ALGORITHMS lists ${algorithm} but no JWKS_URL or JWKS is set`)
    else if (!SYMMETRIC.includes(algorithm) && !ASYMMETRIC.includes(algorithm)) problems.push(`JWT_ALGORITHMS: '${algorithm}' is not allowed`)
  }
  let roles = DEFAULT_ROLES
  if (env.ROLES) {
    try {
      roles = { ...DEFAULT_ROLES, ...(JSON.parse(env.ROLES) as Record<string, string[]>) }
    } catch {
      problems.push('ROLES is not valid JSON')
    }
  }
  const bootstrapKey = env.BOOTSTRAP_API_KEY || undefined
  if (bootstrapKey && bootstrapKey.length < 32) problems.push('BOOTSTRAP_API_KEY must be at least 32 characters')
  if ((jwksUrl || jwksJson) && !env.JWT_AUDIENCE) {
    problems.push('JWT_AUDIENCE must be set with a JWKS: otherwise tokens the same issuer made for other applications would be accepted')
  }
  if (mode === 'required' && !jwtSecret && !jwksUrl && !jwksJson && !bootstrapKey) {
    problems.push(
      'authentication is required but no JWT_SECRET, JWKS_URL, JWKS or BOOTSTRAP_API_KEY is set (set AUTH_MODE=none only for local development)',
    )
  }
  return {
    mode: mode === 'none' ? 'none' : 'required',
    jwtSecret,
    jwksUrl,
    jwksJson,
    issuer: env.JWT_ISSUER || undefined,
    audience: env.JWT_AUDIENCE || undefined,
    algorithms,
    rolesClaim: env.JWT_ROLES_CLAIM || 'roles',
    tenantClaim: env.JWT_TENANT_CLAIM || 'tenant',
    clockToleranceSeconds: Number(env.JWT_CLOCK_SKEW_SECONDS ?? 30) || 0,
    roles,
    bootstrapKey,
    problem: problems.length > 0 ? problems.join('; ') : undefined,
  }
}

export const SYMMETRIC_ALGORITHMS = SYMMETRIC
