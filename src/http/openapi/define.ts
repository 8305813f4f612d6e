/**
 * Route definitions. One object per route says what the route takes (path parameters, query string and
 * JSON body, each a zod schema of `protocol/`), what it answers, the error codes it can answer, and the
 * permission it checks. The OpenAPI document is generated from these objects (through
 * `@hono/zod-openapi`'s registry), and handlers read their input through the same objects
 * (`validate.ts`), so the document cannot describe a schema other than the one that validates.
 *
 * The library's own request validators are not used: they run before the handler (so a caller without
 * the permission would learn that a body is malformed before being refused), refuse bodies sent without
 * `content-type: application/json` (curl -d sends another), and answer in their own shape. Handlers
 * validate where they always have, through `check()`, in Kafdo's words and error shape.
 */
import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi'
import type { Handler, MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { ERROR_CODES, errorBodySchema, type ErrorCode } from '../../protocol/errors.js'
import type { AppEnv } from '../context.js'
import { ERROR_EXAMPLES } from './error-examples.js'

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type Shape = Record<string, z.ZodType>

/** A success answer: JSON by default, or text (`contentType`) with a string schema. */
export interface Answer {
  description: string
  schema: z.ZodType
  example?: unknown
  /** The media type(s) answered; `application/json` when not given. */
  contentType?: string | readonly string[]
  headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }>
}

export interface RouteSpec<P extends Shape = Shape, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined> {
  method: Method
  /** Hono's form, relative to the router the route is served by (`/:topic/produce`). */
  path: string
  operationId: string
  tag: string
  summary: string
  description?: string
  /** The permission checked, as the route matrix and docs/security.md name it (`produce on the topic`). */
  permission?: string
  params?: P
  query?: Q
  body?: B
  bodyExample?: unknown
  /** Success statuses and their bodies. */
  answers: { [status: number]: Answer }
  /** Error codes the route answers beyond those every route of its kind can (see `commonErrors`). */
  errors?: readonly ErrorCode[]
  /** Served without credentials (`/health`, the API description). */
  public?: true
}

export type KafdoRoute<P extends Shape = Shape, Q extends z.ZodObject | undefined = z.ZodObject | undefined, B extends z.ZodType | undefined = z.ZodType | undefined> =
  RouteSpec<P, Q, B> & {
    /** Every error code the route can answer, common ones included. */
    errorCodes: readonly ErrorCode[]
    config: RouteConfig
  }

/**
 * Codes every route of a kind can answer: credentials checked by the authentication middleware (401,
 * 400 for credentials in the URL, 503 when authentication is misconfigured or storage is unavailable),
 * permission checks (403), JSON bodies (unparsable, too large), and unexpected failures (500).
 */
export function commonErrors(spec: Pick<RouteSpec<Shape, z.ZodObject | undefined, z.ZodType | undefined>, 'public' | 'permission' | 'body' | 'params' | 'query'>): ErrorCode[] {
  if (spec.public) return ['INTERNAL_ERROR']
  const codes: ErrorCode[] = ['INVALID_REQUEST', 'UNAUTHENTICATED', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE']
  if (spec.permission !== undefined) codes.push('FORBIDDEN')
  if (spec.body !== undefined) codes.push('INVALID_JSON', 'PAYLOAD_TOO_LARGE')
  return codes
}

export function defineRoute<const P extends Shape = {}, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): KafdoRoute<P, Q, B> {
  const errorCodes = [...new Set([...commonErrors(spec), ...(spec.errors ?? [])])].sort(byStatus)
  const description = [spec.description, spec.permission !== undefined ? `**Permission:** ${spec.permission}.` : undefined]
    .filter((part) => part !== undefined)
    .join('\n\n')
  const params = spec.params && Object.keys(spec.params).length > 0 ? z.object(spec.params) : undefined
  const config: RouteConfig = {
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(description ? { description } : {}),
    ...(spec.public ? { security: [] } : {}),
    request: {
      ...(params ? { params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body
        ? {
            body: {
              required: true,
              content: { 'application/json': { schema: spec.body, ...(spec.bodyExample !== undefined ? { example: spec.bodyExample } : {}) } },
            },
          }
        : {}),
    },
    responses: { ...successResponses(spec.answers), ...errorResponses(errorCodes) },
  }
  return { ...spec, errorCodes, config }
}

function successResponses(answers: RouteSpec['answers']): RouteConfig['responses'] {
  return Object.fromEntries(
    Object.entries(answers).map(([status, answer]) => [
      status,
      {
        description: answer.description,
        ...(answer.headers ? { headers: answer.headers } : {}),
        content: Object.fromEntries(
          [answer.contentType ?? 'application/json']
            .flat()
            .map((type) => [type, { schema: answer.schema, ...(answer.example !== undefined ? { example: answer.example } : {}) }]),
        ),
      },
    ]),
  )
}

/** One response per status, the shared error body, with the codes it can carry and an example of each. */
function errorResponses(codes: readonly ErrorCode[]): RouteConfig['responses'] {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code])
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((code) => `\`${code}\`: ${ERROR_EXAMPLES[code].summary}.`).join('\n'),
        ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } } } } : {}),
        content: {
          'application/json': {
            schema: errorBodySchema,
            // One example per code, kept once in components.examples (see document.ts).
            examples: Object.fromEntries(list.map((code) => [code, { $ref: `#/components/examples/${code}` }])),
          },
        },
        'x-error-codes': list,
      },
    ]),
  )
}

function byStatus(a: ErrorCode, b: ErrorCode): number {
  return ERROR_CODES[a].status - ERROR_CODES[b].status || a.localeCompare(b)
}

/**
 * Serves `route` on `router` with `handler`, after any middleware of its own (the stream routes' ticket
 * check), and adds it to the router's OpenAPI registry. Every route of the app is served this way: a
 * test compares the app's routes with the document's.
 */
export function serve(
  router: OpenAPIHono<AppEnv>,
  route: KafdoRoute,
  ...handlers: [...middleware: MiddlewareHandler<AppEnv>[], handler: Handler<AppEnv>]
): void {
  router.openAPIRegistry.registerPath(route.config)
  const handler = handlers.pop() as Handler<AppEnv>
  router.on(route.method.toUpperCase(), route.path, handlers.length === 0 ? handler : chain(handlers as MiddlewareHandler<AppEnv>[], handler))
}

/** The middleware, then the handler, as one handler: the app's route list keeps one entry per route. */
function chain(middleware: MiddlewareHandler<AppEnv>[], handler: Handler<AppEnv>): Handler<AppEnv> {
  return async (c, next) => {
    const run = async (i: number): Promise<void> => {
      if (i === middleware.length) {
        c.res = (await handler(c, next)) as Response
        return
      }
      const answered = await middleware[i]!(c, () => run(i + 1))
      if (answered) c.res = answered
    }
    await run(0)
    return c.res
  }
}
