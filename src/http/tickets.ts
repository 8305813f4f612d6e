/**
 * Stream tickets for browsers: `POST /auth/ticket` (authenticated as any request) hands out a ticket for
 * one stream route, and `streamAuthentication` lets exactly that route be opened with `?ticket=` instead
 * of an Authorization header, which `EventSource` and `WebSocket` cannot send. A ticket carries only the
 * permission the stream needs, is bound to its path and tenant, and expires after TICKET_TTL_MS; without
 * one, a stream route authenticates as every other route does.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { grantsFrom } from '../core/permissions.js'
import type { TicketClaims } from '../core/stream-ticket.js'
import { KafdoError } from '../protocol/errors.js'
import { streamRouteTopic, type TicketResponse } from '../protocol/streams.js'
import { checkTicket, issueTicket } from '../services/stream-tickets.js'
import { auditFailure, authenticate } from './auth/authenticate.js'
import { authConfig } from './auth/config.js'
import { authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import * as routes from './routes/streams.js'
import { body } from './validate.js'

export const ticketRoutes = new OpenAPIHono<AppEnv>()

serve(ticketRoutes, routes.createTicket, async (c) => {
  const { path } = await body(c, routes.createTicket)
  const topic = streamRouteTopic(path)
  if (topic === undefined) {
    throw new KafdoError(
      'INVALID_REQUEST',
      `a ticket opens one stream route (/topics/:topic/stream, /topics/:topic/partitions/:partition/stream or /topics/:topic/ws), not '${path}'`,
      { path },
    )
  }
  await authorize(c, 'consume', topic)
  const principal = c.get('principal')
  const tenant = c.get('tenant')
  const { ticket, exp } = await issueTicket(c.env, {
    sub: principal.subject,
    via: principal.via as TicketClaims['via'],
    ...(principal.keyId !== undefined ? { keyId: principal.keyId } : {}),
    home: principal.tenant,
    tenant,
    grants: [`consume@${topic}`],
    path,
  })
  return c.json({ ticket, path, tenant, expiresAt: new Date(exp).toISOString() } satisfies TicketResponse, 201)
})

/** Authentication for the stream routes: a ticket for this very path, or the usual credentials. */
export function streamAuthentication(): MiddlewareHandler<AppEnv> {
  const standard = authenticate()
  return async function authenticateStream(c, next) {
    const ticket = c.req.query('ticket')
    if (ticket === undefined || authConfig(c.env).problem) return standard(c, next)
    const checked = await checkTicket(c.env, ticket)
    const claims = checked.ok ? checked.claims : undefined
    const requested = c.req.query('tenant')
    const reason = !checked.ok
      ? checked.reason
      : claims!.path !== c.req.path
        ? 'the ticket was issued for another stream'
        : requested !== undefined && requested !== claims!.tenant
          ? 'the ticket was issued for another tenant'
          : undefined
    if (reason !== undefined || !claims) {
      await auditFailure(c, reason ?? 'invalid ticket')
      throw new KafdoError('UNAUTHENTICATED', `authentication failed: ${reason}`, { reason })
    }
    c.set('principal', {
      subject: claims.sub,
      via: claims.via,
      ...(claims.keyId !== undefined ? { keyId: claims.keyId } : {}),
      tenant: claims.home,
      grants: grantsFrom(claims.grants),
    })
    c.set('tenant', claims.tenant)
    return next()
  }
}
