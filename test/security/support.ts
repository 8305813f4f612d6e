/** Helpers for security tests: the app driven with authentication on, and tokens signed as an IdP would. */
import { env } from 'cloudflare:test'
import { SignJWT, type JWTPayload } from 'jose'
import type { KafdoEnv } from '../../src/env'
import { createApp } from '../../src/http/app'

export const JWT_SECRET = 'a-test-secret-that-is-long-enough-for-hs256!'
export const BOOTSTRAP_API_KEY = 'bootstrap-key-for-tests-0123456789abcdef'
export const ISSUER = 'https://idp.example.test/realms/main'
export const AUDIENCE = 'kafdo'

export function authEnv(extra: Partial<KafdoEnv> = {}): KafdoEnv {
  return { ...env, AUTH_MODE: 'required', JWT_SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, BOOTSTRAP_API_KEY, ...extra }
}

const app = createApp()

export interface Reply {
  status: number
  body: any
  headers: Headers
}

export async function call(
  appEnv: KafdoEnv,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const init: RequestInit = { method, headers }
  if (options.body !== undefined) init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  const response = await app.fetch(new Request(`http://kafdo.test${path}`, init), appEnv)
  if (response.status === 101 || (response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    // A stream that has started: its status and headers are the answer; close it.
    response.webSocket?.accept()
    response.webSocket?.close(1000, 'done')
    await response.body?.cancel()
    return { status: response.status, body: undefined, headers: response.headers }
  }
  const text = await response.text()
  // `/metrics` answers text; everything else JSON.
  const json = (response.headers.get('content-type') ?? '').includes('json')
  return { status: response.status, body: text ? (json ? JSON.parse(text) : text) : undefined, headers: response.headers }
}

export interface TokenOptions {
  sub?: string
  tenant?: string
  roles?: string[]
  claims?: JWTPayload
  issuer?: string
  audience?: string
  expiresIn?: string | number
  notBefore?: string | number
  alg?: string
  kid?: string
  key?: Uint8Array | CryptoKey
}

export async function token(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ ...(options.tenant ? { tenant: options.tenant } : {}), roles: options.roles ?? [], ...(options.claims ?? {}) })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', ...(options.kid ? { kid: options.kid } : {}) })
    .setSubject(options.sub ?? 'user-1')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore)
  return jwt.sign(options.key ?? new TextEncoder().encode(JWT_SECRET))
}

let counter = 0
export function unique(prefix: string): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}`
}
