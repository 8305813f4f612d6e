/**
 * The request log and per-request metrics, around every request. Each request ends in one JSON line:
 * request id, tenant, method, route template, path, status, duration, records and bytes when it moved
 * any, and the error code when it failed; never a credential, a query string or a body. Lines are
 * `info` (2xx, 3xx), `warn` (4xx) or `error` (5xx); LOG_LEVEL drops those below it and REQUEST_LOGS=off
 * drops them all. Unexpected errors keep their own line from the error renderer as well. The same
 * observation is counted for `/metrics` (unless METRICS=off), flushed in the background.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { KafdoEnv } from '../env.js'
import { SYSTEM_TENANT } from '../protocol/tenants.js'
import { countRequest, dueFlushes, flushTenant } from '../services/monitoring/request-metrics.js'
import type { AppEnv } from './context.js'

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const
type Level = keyof typeof LEVELS

interface Settings {
  logs: boolean
  level: number
  metrics: boolean
}

const settingsCache = new WeakMap<object, Settings>()

function settings(env: KafdoEnv): Settings {
  let found = settingsCache.get(env)
  if (!found) {
    const level = (env.LOG_LEVEL ?? 'info').toLowerCase()
    found = {
      logs: env.REQUEST_LOGS !== 'off',
      level: LEVELS[level as Level] ?? LEVELS.info,
      metrics: env.METRICS !== 'off' && env.TENANT_MONITOR !== undefined,
    }
    settingsCache.set(env, found)
  }
  return found
}

/** Routes that answer produce requests: their record counts feed the batch size histogram. */
const PRODUCE_ROUTES = new Set(['/topics/:topic/produce', '/topics/:topic/produce-batch', '/queues/:name/messages'])

export function observe(): MiddlewareHandler<AppEnv> {
  return async function observeRequest(c, next) {
    const started = Date.now()
    await next()
    const env = c.env ?? {}
    const { logs, level, metrics } = settings(env)
    const durationMs = Date.now() - started
    const status = c.res.status
    const route = routeOf(c)
    const tenant = c.get('tenant') ?? SYSTEM_TENANT
    const code = c.get('errorCode')
    const records = c.get('records')
    if (metrics) {
      countRequest(tenant, {
        method: c.req.method,
        route,
        status,
        durationMs,
        code,
        quotaBucket: c.get('quotaBucket'),
        produceRecords: c.req.method === 'POST' && PRODUCE_ROUTES.has(route) && status < 400 ? records : undefined,
      })
      for (const due of dueFlushes(started)) background(c, flushTenant(env, due, started))
    }
    const lineLevel: Level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'
    if (!logs || LEVELS[lineLevel] < level) return
    const bytes = c.get('responseBytes') ?? (c.req.method === 'GET' ? undefined : c.get('bodyBytes'))
    console.log(
      JSON.stringify({
        level: lineLevel,
        message: 'request',
        requestId: c.get('requestId'),
        tenant,
        method: c.req.method,
        route,
        path: c.req.path,
        status,
        durationMs,
        ...(records !== undefined ? { records } : {}),
        ...(bytes !== undefined ? { bytes } : {}),
        ...(code !== undefined ? { error: code } : {}),
      }),
    )
  }
}

/** The template of the route that answered (`/topics/:topic/produce`), or `unmatched`. */
function routeOf(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c)
  for (let i = routes.length - 1; i >= 0; i--) if (routes[i]!.method !== 'ALL') return routes[i]!.path
  return 'unmatched'
}

function background(c: Context<AppEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work)
  } catch {
    // No execution context (the app driven directly, as tests do): let it run on its own.
    void work
  }
}
