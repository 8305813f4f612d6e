/**
 * The dashboard's one way to the API: same-origin fetch with the session's credential as a Bearer
 * token and its tenant as `?tenant=`. The session lives in sessionStorage (this tab only, gone when it
 * closes). Errors come back as ApiError with the server's code; a 401 sends the user back to the login.
 */
import type { ErrorPayload } from '../../src/protocol/errors'

export interface Session {
  /** An API key or a JWT; empty when the server runs without authentication (local development). */
  credential: string
  /** The tenant a platform admin acts in; the credential's own when absent. */
  tenant?: string
}

const SESSION_KEY = 'kafdo.session'

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY)
    return raw ? (JSON.parse(raw) as Session) : null
  } catch {
    return null
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session))
  dispatchEvent(new Event('kafdo:session'))
}

export function clearSession(): void {
  sessionStorage.removeItem(SESSION_KEY)
  dispatchEvent(new Event('kafdo:session'))
}

export class ApiError extends Error {
  readonly code: string
  readonly status: number
  readonly details: Record<string, unknown> | undefined

  constructor(status: number, payload: ErrorPayload | { code: string; message: string; details?: Record<string, unknown> }) {
    super(payload.message)
    this.code = payload.code
    this.status = status
    this.details = payload.details
  }
}

export type Query = Record<string, string | number | undefined>

/** A URL of this origin with the session's tenant and `query` (undefined values left out). */
export function apiUrl(path: string, query: Query = {}, session = loadSession()): string {
  const url = new URL(path, location.origin)
  if (session?.tenant) url.searchParams.set('tenant', session.tenant)
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') url.searchParams.set(name, String(value))
  return `${url.pathname}${url.search}`
}

export async function api<T>(method: string, path: string, options: { body?: unknown; query?: Query; session?: Session } = {}): Promise<T> {
  const session = options.session ?? loadSession()
  const headers: Record<string, string> = { accept: 'application/json' }
  if (session?.credential) headers.authorization = `Bearer ${session.credential}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(apiUrl(path, options.query, session), {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    })
  } catch (err) {
    throw new ApiError(0, { code: 'NETWORK_ERROR', message: `Kafdo did not answer (${(err as Error).message})` })
  }
  const text = await response.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  if (!response.ok) {
    const payload = (body as { error?: ErrorPayload } | undefined)?.error
    const error = new ApiError(response.status, payload ?? { code: `HTTP_${response.status}`, message: text.slice(0, 200) || response.statusText })
    if (response.status === 401 && !options.session) clearSession()
    throw error
  }
  return body as T
}

/** Every page's reads: GET with the session. */
export const get = <T>(path: string, query?: Query) => api<T>('GET', path, query ? { query } : {})
