/**
 * JWT verification with jose: an explicit algorithm allow-list, the key chosen by the token's algorithm
 * family (an HMAC token is only ever checked against JWT_SECRET, never against a public key), `exp`
 * required, `nbf`/`iss`/`aud` checked, and a small clock skew. Remote JWKS are fetched and cached by
 * jose (re-fetched when an unknown `kid` appears, at most every 30 s), so key rotation needs no restart.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose'
import { SYMMETRIC_ALGORITHMS, type AuthConfig } from './config.js'

export type JwtCheck = { ok: true; claims: JWTPayload } | { ok: false; reason: string }

type KeySet = ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>
const keySets = new WeakMap<AuthConfig, KeySet>()

function keySet(config: AuthConfig): KeySet | undefined {
  let set = keySets.get(config)
  if (!set) {
    if (config.jwksJson) set = createLocalJWKSet(config.jwksJson as Parameters<typeof createLocalJWKSet>[0])
    else if (config.jwksUrl) set = createRemoteJWKSet(config.jwksUrl, { cacheMaxAge: 600_000, cooldownDuration: 30_000, timeoutDuration: 5_000 })
    if (set) keySets.set(config, set)
  }
  return set
}

export async function verifyJwt(token: string, config: AuthConfig): Promise<JwtCheck> {
  let alg: string | undefined
  try {
    alg = decodeProtectedHeader(token).alg
  } catch {
    return { ok: false, reason: 'malformed token' }
  }
  if (!alg || !config.algorithms.includes(alg)) return { ok: false, reason: `algorithm ${alg ?? 'none'} is not allowed` }
  const options = {
    algorithms: config.algorithms,
    clockTolerance: config.clockToleranceSeconds,
    requiredClaims: ['exp'],
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  }
  try {
    if (SYMMETRIC_ALGORITHMS.includes(alg)) {
      if (!config.jwtSecret) return { ok: false, reason: 'no secret for HMAC tokens' }
      return { ok: true, claims: (await jwtVerify(token, config.jwtSecret, options)).payload }
    }
    const keys = keySet(config)
    if (!keys) return { ok: false, reason: 'no key set for signed tokens' }
    return { ok: true, claims: (await jwtVerify(token, keys, options)).payload }
  } catch (err) {
    return { ok: false, reason: describe(err) }
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired'
  if (err instanceof errors.JWTClaimValidationFailed) return `claim '${err.claim}' check failed (${err.reason})`
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed'
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key matches the token (unknown kid)'
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed'
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError) return (err as Error).message
  return 'invalid token'
}
