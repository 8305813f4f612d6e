/**
 * Request parsing at the edge: a route's path parameters, query string and JSON body, each checked
 * against the zod schema its route definition (`openapi/define.ts`) documents. Anything that does not
 * match is a 400 naming each failing path; nothing reaches a Durable Object unvalidated. Handlers call
 * these where the check belongs (a permission is usually checked first), not before the handler runs.
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import { KafdoError } from '../protocol/errors.js'
import { check } from '../protocol/validation.js'
import type { AppEnv } from './context.js'

/** The body as JSON, not yet checked (a route that must look at it first, then checks it itself). */
export async function rawJsonBody(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text()
  c.set('bodyBytes', text.length)
  try {
    return JSON.parse(text)
  } catch {
    throw new KafdoError('INVALID_JSON', 'request body is not valid JSON')
  }
}

/** The route's JSON body, checked. Any content type is read as JSON, as curl's `-d` sends it. */
export async function body<B extends z.ZodType>(c: Context<AppEnv>, route: { body?: B }): Promise<z.output<B>> {
  return check(route.body!, await rawJsonBody(c), { source: 'body' })
}

/** The route's query string without `tenant`, which the authentication middleware has already consumed. */
export function query<Q extends z.ZodObject>(c: Context<AppEnv>, route: { query?: Q | undefined }): z.output<Q> {
  const { tenant: _tenant, ...rest } = c.req.query()
  return check(route.query!, rest, { source: 'query' })
}

/** One of the route's path parameters, checked. */
export function param<P extends Record<string, z.ZodType>, K extends keyof P & string>(
  c: Context<AppEnv>,
  route: { params?: P | undefined },
  name: K,
): z.output<P[K]> {
  return check(route.params![name]!, c.req.param(name), { at: [name] })
}
