/**
 * The one place errors become HTTP responses: `{"error": {"code", "message", "details"?}}` with the
 * status of the code. Unexpected errors are logged with the request id and answered with a generic 500
 * that leaks nothing. A request no route takes is a 405 when its path is a route for other methods, else
 * a 404.
 */
import type { Context, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { TrieRouter } from 'hono/router/trie-router'
import type { RouterRoute } from 'hono/types'
import { KafdoError, type ErrorBody } from '../protocol/errors.js'
import type { AppEnv } from './context.js'

export function errorResponse(c: Context<AppEnv>, error: KafdoError): Response {
  const body: ErrorBody = error.toJSON()
  c.set('errorCode', error.code)
  if (typeof error.details?.bucket === 'string') c.set('quotaBucket', error.details.bucket)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (error.code === 'THROTTLING_QUOTA_EXCEEDED' && typeof error.details?.retryAfterSeconds === 'number') {
    headers['retry-after'] = String(error.details.retryAfterSeconds)
  }
  if (error.code === 'METHOD_NOT_ALLOWED' && Array.isArray(error.details?.allow)) headers.allow = error.details.allow.join(', ')
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

/**
 * The not-found handler for an app whose routes `routes()` lists. The methods a path takes come from those
 * routes (matched by Hono's own router), so the `Allow` header cannot drift from what the app serves.
 */
export function unmatched(routes: () => readonly RouterRoute[]): NotFoundHandler<AppEnv> {
  let table: { router: TrieRouter<string>; methods: string[] } | undefined
  return (c) => {
    table ??= methodTable(routes())
    const { router, methods } = table
    const allow = methods.filter((method) => router.match(method, c.req.path)[0].length > 0)
    // Hono answers HEAD with the GET route, so a path that takes GET takes HEAD too.
    if (allow.includes('GET')) allow.splice(allow.indexOf('GET') + 1, 0, 'HEAD')
    if (allow.length === 0) return errorResponse(c, new KafdoError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`))
    return errorResponse(
      c,
      new KafdoError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}; it takes ${allow.join(', ')}`, {
        method: c.req.method,
        allow,
      }),
    )
  }
}

function methodTable(routes: readonly RouterRoute[]): { router: TrieRouter<string>; methods: string[] } {
  const router = new TrieRouter<string>()
  const methods = new Set<string>()
  for (const { method, path } of routes) {
    // Middleware registers as ALL; only routes with a method say what a path takes.
    if (method === 'ALL') continue
    router.add(method, path, method)
    methods.add(method)
  }
  return { router, methods: [...methods].sort() }
}
