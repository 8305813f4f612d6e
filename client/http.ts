/**
 * The request core every part of `KafdoClient` goes through: URL building, default headers, one deadline
 * per call, error responses rebuilt into the server's `KafdoError`, and bounded retries.
 *
 * Retries wait by the one backoff (core/backoff.ts REQUEST_RETRY, or the server's Retry-After), happen
 * only for what the error table marks retriable, and only ever repeat a request whose
 * repetition cannot change the outcome: reads, deletes, and produce requests carrying the producer's
 * `(producerId, sequence)`, which the partition writes once however often it arrives. A request that is
 * not idempotent (creating a topic, joining a group) fails on the first retriable error instead.
 */
import { REQUEST_RETRY, retryDelay } from '../src/core/backoff.js'
import { ERROR_CODES, isErrorCode, KafdoError, type ErrorCode } from '../src/protocol/index.js'

/** The subset of `fetch` the client calls; pass any implementation (undici, a test double, a service binding). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export interface HttpConfig {
  baseUrl: string
  clientId: string
  /** Milliseconds one call may take, retries and backoff included. */
  timeout: number
  headers: Record<string, string>
  fetch: FetchLike
  /** How many times a retriable failure of an idempotent call is retried. */
  retries: number
  /** Sent as `?tenant=` on every request (acting in another tenant needs platform:admin). */
  tenant?: string | undefined
}

export type QueryValue = string | number | undefined

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Path segments, each URL-encoded: `['topics', name, 'produce']`. */
  path: ReadonlyArray<string | number>
  query?: Record<string, QueryValue>
  body?: unknown
  /** Whether sending the request twice has the effect of sending it once. Only these are retried. */
  idempotent: boolean
  /**
   * After a retry, an error that shows an earlier attempt already did the work (a delete answered
   * "not found" because the lost first attempt deleted it) counts as success. `context.uncertain` says
   * whether an earlier attempt may have reached the server: it ended without an HTTP answer (a network
   * error) or with a gateway's 502/504, rather than with the server's refusal (429, 503).
   */
  doneIf?: (error: KafdoError, context: { uncertain: boolean }) => boolean
  /** Milliseconds this call may take instead of the client's `timeout` (a held join, a long poll). */
  timeout?: number
  /** Abandons the call: it then fails with REQUEST_TIMED_OUT and `details.aborted`, without retrying. */
  signal?: AbortSignal
  /** `text`: the answer's body as is (the Prometheus exposition), not parsed as JSON. */
  responseType?: 'json' | 'text'
  /** Retries of this call instead of the client's `retries` (0 where the caller applies the retry rule itself). */
  retries?: number
}

/** Statuses that say "try again later"; 429 may carry Retry-After. */

export class HttpCore {
  readonly #config: HttpConfig
  readonly #baseUrl: string

  constructor(config: HttpConfig) {
    this.#config = config
    this.#baseUrl = config.baseUrl.replace(/\/+$/, '')
  }

  get clientId(): string {
    return this.#config.clientId
  }

  /** The client's per-call timeout in milliseconds. */
  get timeout(): number {
    return this.#config.timeout
  }

  /** Sends the request (retrying when allowed) and returns the parsed JSON body of the answer. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const deadline = Date.now() + (spec.timeout ?? this.#config.timeout)
    const url = this.#url(spec)
    let uncertain = false
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(url, spec, deadline)
      if (outcome.ok) return outcome.value as T
      const { error, retryAfterMs } = outcome
      if (attempt > 0 && spec.doneIf?.(error, { uncertain })) return undefined as T
      if (outcome.mayHaveReachedServer) uncertain = true
      if (!outcome.retriable || !spec.idempotent || attempt >= (spec.retries ?? this.#config.retries) || spec.signal?.aborted) throw error
      const delay = retryAfterMs ?? backoff(attempt)
      // Waiting past the deadline would only end in a timeout; the real failure says more.
      if (Date.now() + delay >= deadline) throw error
      await sleep(delay)
    }
  }

  /**
   * Opens a long-lived GET (a Server-Sent Events stream) and answers its response once the headers are
   * in, its body unread. An error answer is thrown as the server's `KafdoError` (with `retriable` as its
   * code says); no HTTP answer at all is a retriable SERVICE_UNAVAILABLE. Never retried here: the caller
   * resumes the stream from where it was.
   */
  async open(spec: {
    path: ReadonlyArray<string | number>
    query?: Record<string, QueryValue>
    headers?: Record<string, string>
    signal?: AbortSignal
  }): Promise<Response> {
    const url = this.#url({ method: 'GET', path: spec.path, ...(spec.query ? { query: spec.query } : {}), idempotent: true })
    const controller = new AbortController()
    // The connection must come up within the timeout; the stream itself may then stay open for good.
    const timer = setTimeout(() => controller.abort(), this.#config.timeout)
    const abandon = () => controller.abort()
    spec.signal?.addEventListener('abort', abandon, { once: true })
    try {
      const response = await this.#config.fetch(url, {
        method: 'GET',
        headers: { ...this.#headers(false), accept: 'text/event-stream', ...spec.headers },
        signal: controller.signal,
      })
      if (!response.ok) throw errorFromResponse(response.status, response.statusText, await response.text())
      return response
    } catch (err) {
      if (err instanceof KafdoError) throw err
      if (spec.signal?.aborted) throw new KafdoError('REQUEST_TIMED_OUT', `GET ${url} was abandoned`, { aborted: true })
      const message = controller.signal.aborted ? `no answer within ${this.#config.timeout} ms` : err instanceof Error ? err.message : String(err)
      throw new KafdoError('SERVICE_UNAVAILABLE', `network error on GET /${spec.path.join('/')}: ${message}`, { cause: message })
    } finally {
      clearTimeout(timer)
      spec.signal?.removeEventListener('abort', abandon)
    }
  }

  async #attempt(url: string, spec: RequestSpec, deadline: number): Promise<Outcome> {
    const timeout = spec.timeout ?? this.#config.timeout
    const remaining = deadline - Date.now()
    if (spec.signal?.aborted) return { ok: false, error: aborted(spec), retriable: false }
    if (remaining <= 0) return { ok: false, error: timedOut(timeout, spec), retriable: false }
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), remaining)
    const abandon = () => controller.abort()
    spec.signal?.addEventListener('abort', abandon, { once: true })
    try {
      const response = await this.#config.fetch(url, {
        method: spec.method,
        headers: this.#headers(spec.body !== undefined),
        ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
        signal: controller.signal,
      })
      const text = await response.text()
      if (response.ok) return { ok: true, value: spec.responseType === 'text' ? text : parseSuccess(text, response.status) }
      const error = errorFromResponse(response.status, response.statusText, text)
      return {
        ok: false,
        error,
        // The error table decides, as everywhere: a code the server sent, or the closest one for the status.
        retriable: error.retriable,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        mayHaveReachedServer: response.status === 502 || response.status === 504,
      }
    } catch (err) {
      if (spec.signal?.aborted) return { ok: false, error: aborted(spec), retriable: false }
      if (controller.signal.aborted) return { ok: false, error: timedOut(timeout, spec), retriable: false }
      if (err instanceof KafdoError) return { ok: false, error: err, retriable: false }
      // fetch rejects only when no HTTP answer arrived: DNS, connection reset, TLS. The request may or may
      // not have reached the server, which is exactly what idempotent requests are safe against.
      const message = err instanceof Error ? err.message : String(err)
      return {
        ok: false,
        error: new KafdoError('SERVICE_UNAVAILABLE', `network error on ${spec.method} ${pathOf(spec)}: ${message}`, { cause: message }),
        retriable: true,
        mayHaveReachedServer: true,
      }
    } finally {
      clearTimeout(timer)
      spec.signal?.removeEventListener('abort', abandon)
    }
  }

  #url(spec: RequestSpec): string {
    const path = spec.path.map((segment) => encodeURIComponent(String(segment))).join('/')
    const params = new URLSearchParams()
    if (this.#config.tenant !== undefined) params.set('tenant', this.#config.tenant)
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) params.set(name, String(value))
    }
    const search = params.toString()
    return `${this.#baseUrl}/${path}${search ? `?${search}` : ''}`
  }

  #headers(hasBody: boolean): Record<string, string> {
    return {
      accept: 'application/json',
      ...this.#config.headers,
      'x-client-id': this.#config.clientId,
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    }
  }
}

type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; error: KafdoError; retriable: boolean; retryAfterMs?: number | undefined; mayHaveReachedServer?: boolean }

function parseSuccess(text: string, status: number): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new KafdoError('INTERNAL_ERROR', `the server answered ${status} with a body that is not JSON`, { status, body: text.slice(0, 200) })
  }
}

/**
 * Rebuilds the server's error from `{"error": {"code", "message", "details"}}`. A body without a known
 * code (a proxy's HTML page, a newer server's code) becomes the closest code for its HTTP status, keeping
 * the message and the original status and code in `details`.
 */
export function errorFromResponse(status: number, statusText: string, text: string): KafdoError {
  let payload: { code?: unknown; message?: unknown; details?: unknown } | undefined
  try {
    const body = JSON.parse(text) as { error?: unknown }
    if (body && typeof body.error === 'object' && body.error !== null) payload = body.error as typeof payload
  } catch {
    payload = undefined
  }
  const message =
    typeof payload?.message === 'string' ? payload.message : text.trim() ? text.trim().slice(0, 500) : `HTTP ${status} ${statusText}`.trim()
  const details = isRecord(payload?.details) ? payload.details : undefined
  if (isErrorCode(payload?.code)) return new KafdoError(payload.code, message, details)
  return new KafdoError(codeForStatus(status), message, {
    ...details,
    httpStatus: status,
    ...(typeof payload?.code === 'string' ? { serverCode: payload.code } : {}),
  })
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'INVALID_REQUEST'
    case 401:
      return 'UNAUTHENTICATED'
    case 403:
      return 'FORBIDDEN'
    case 404:
      return 'NOT_FOUND'
    case 429:
      return 'THROTTLING_QUOTA_EXCEEDED'
    case 502:
    case 503:
      return 'SERVICE_UNAVAILABLE'
    case 504:
      return 'REQUEST_TIMED_OUT'
  }
  const exact = (Object.keys(ERROR_CODES) as ErrorCode[]).find((code) => ERROR_CODES[code].status === status)
  return exact ?? (status >= 400 && status < 500 ? 'INVALID_REQUEST' : 'INTERNAL_ERROR')
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** Exponential backoff with jitter: 100 ms, 200 ms, 400 ms … capped at 5 s, each scaled by 0.5–1.0. */
function backoff(attempt: number): number {
  return retryDelay(REQUEST_RETRY, attempt + 1)
}

function timedOut(timeout: number, spec: RequestSpec): KafdoError {
  return new KafdoError('REQUEST_TIMED_OUT', `${spec.method} ${pathOf(spec)} did not complete within ${timeout} ms`, { timeoutMs: timeout })
}

function aborted(spec: RequestSpec): KafdoError {
  return new KafdoError('REQUEST_TIMED_OUT', `${spec.method} ${pathOf(spec)} was abandoned`, { aborted: true })
}

function pathOf(spec: RequestSpec): string {
  return `/${spec.path.map((segment) => encodeURIComponent(String(segment))).join('/')}`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
