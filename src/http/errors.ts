/**
 * The one place errors become HTTP responses: `{"error": {"code", "message", "details"?}}` with the
 * status of the code. Unexpected errors are logged with the request id and answered with a generic 500
 * that leaks nothing.
 */
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { KafdoError, type ErrorBody } from '../protocol/errors.js'
import type { AppEnv } from './context.js'

export function errorResponse(c: Context<AppEnv>, error: KafdoError): Response {
  const body: ErrorBody = error.toJSON()
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (error.code === 'THROTTLING_QUOTA_EXCEEDED' && typeof error.details?.retryAfterSeconds === 'number') {
    headers['retry-after'] = String(error.details.retryAfterSeconds)
  }
  return c.body(JSON.stringify(body), error.status as 400, headers)
}

export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof KafdoError) return errorResponse(c, err)
  if (err instanceof HTTPException && err.status === 413) {
    return errorResponse(c, new KafdoError('PAYLOAD_TOO_LARGE', 'request body is too large'))
  }
  console.error(JSON.stringify({ level: 'error', requestId: c.get('requestId'), method: c.req.method, path: c.req.path, error: err.message }))
  return errorResponse(c, new KafdoError('INTERNAL_ERROR', `internal error (request id ${c.get('requestId') ?? 'unknown'})`))
}

export function notFound(c: Context<AppEnv>): Response {
  return errorResponse(c, new KafdoError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`))
}
