/**
 * Request parsing at the edge: JSON bodies, query strings and path parameters checked against the zod
 * schemas of `protocol/`. Anything that does not match is a 400 naming each failing path; nothing
 * reaches a Durable Object unvalidated.
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import { KafdoError } from '../protocol/errors.js'
import { check } from '../protocol/validation.js'
import type { AppEnv } from './context.js'

export async function jsonBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const text = await c.req.text()
  c.set('bodyBytes', text.length)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new KafdoError('INVALID_JSON', 'request body is not valid JSON')
  }
  return check(schema, body, { source: 'body' })
}

/** The query string without `tenant`, which the authentication middleware has already consumed. */
export function query<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.output<S> {
  const { tenant: _tenant, ...rest } = c.req.query()
  return check(schema, rest, { source: 'query' })
}

export function param<S extends z.ZodType>(c: Context<AppEnv>, name: string, schema: S): z.output<S> {
  return check(schema, c.req.param(name), { at: [name] })
}
