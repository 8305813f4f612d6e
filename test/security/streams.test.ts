/**
 * Live streams with authentication on: the same rules as a fetch (a credential in a header, `consume` on
 * the topic, the caller's own tenant), and stream tickets for browsers: issued for one stream path to a
 * caller who may read it, carrying only that permission, refused on any other path or tenant, refused
 * once tampered with, and never the long-lived credential in the URL.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app'
import { EventReader, SocketReader } from '../support/streams'
import { authEnv, BOOTSTRAP_API_KEY, call, token, unique } from './support'

const appEnv = authEnv()
const app = createApp()
const admin = { 'x-api-key': BOOTSTRAP_API_KEY }

async function setup(tenant: string): Promise<string> {
  const topic = unique('sec-stream')
  const created = await call(appEnv, 'POST', `/admin/topics?tenant=${tenant}`, { headers: admin, body: { topic } })
  expect(created.status).toBe(201)
  return topic
}

async function open(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return app.fetch(new Request(`http://kafdo.test${path}`, { headers }), appEnv)
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } }
  return { status: response.status, code: body.error.code, message: body.error.message }
}

describe('Security > streams need what a fetch needs', () => {
  it('answers 401 without a credential, 403 without consume on the topic, and streams with it', async () => {
    const topic = await setup('stream-a')
    const path = `/topics/${topic}/partitions/0/stream`
    expect(await errorOf(await open(path))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' })
    const reader = await token({ tenant: 'stream-a', roles: [`topic:read@${topic}`] })
    expect(await errorOf(await open(path, { authorization: `Bearer ${reader}` }))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
      message: `missing permission consume@${topic}`,
    })
    const consumer = await token({ tenant: 'stream-a', roles: [`consume@${topic}`] })
    const ok = await open(path, { authorization: `Bearer ${consumer}` })
    expect(ok.status).toBe(200)
    await new EventReader(ok).cancel()
    const ws = await open(`/topics/${topic}/ws`, { authorization: `Bearer ${consumer}`, upgrade: 'websocket' })
    expect(ws.status).toBe(101)
    new SocketReader(ws.webSocket!).close()
  })

  it("refuses other tenants' streams: as missing as a topic that never was, and no switching tenant without platform:admin", async () => {
    const topic = await setup('stream-b')
    const outsider = await token({ tenant: 'stream-c', roles: ['admin'] })
    const missing = await errorOf(await open(`/topics/${topic}/stream`, { authorization: `Bearer ${outsider}` }))
    expect(missing).toEqual({ status: 404, code: 'UNKNOWN_TOPIC_OR_PARTITION', message: `topic '${topic}' does not exist` })
    const socket = await errorOf(await open(`/topics/${topic}/ws`, { authorization: `Bearer ${outsider}`, upgrade: 'websocket' }))
    expect(socket).toMatchObject({ status: 404, code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    const switching = await errorOf(await open(`/topics/${topic}/stream?tenant=stream-b`, { authorization: `Bearer ${outsider}` }))
    expect(switching).toMatchObject({ status: 403, code: 'FORBIDDEN' })
    const platform = await open(`/topics/${topic}/stream?tenant=stream-b`, admin)
    expect(platform.status).toBe(200)
    await new EventReader(platform).cancel()
  })

  it('refuses a long-lived credential in the URL with 400, as every route does', async () => {
    const topic = await setup('stream-d')
    expect(await errorOf(await open(`/topics/${topic}/stream?access_token=${BOOTSTRAP_API_KEY}`))).toMatchObject({
      status: 400,
      code: 'INVALID_REQUEST',
    })
  })
})

describe('Security > stream tickets', () => {
  it('issues a ticket for one stream to a caller who may read it, and the ticket opens that stream alone', async () => {
    const topic = await setup('ticket-a')
    const consumer = await token({ tenant: 'ticket-a', roles: [`consume@${topic}`] })
    const path = `/topics/${topic}/partitions/0/stream`
    const issued = await call(appEnv, 'POST', '/auth/ticket', { token: consumer, body: { path } })
    expect(issued.status).toBe(201)
    expect(issued.body).toEqual({ ticket: expect.stringMatching(/^kt1\./), path, tenant: 'ticket-a', expiresAt: expect.any(String) })
    const expiresIn = Date.parse(issued.body.expiresAt) - Date.now()
    expect(expiresIn).toBeGreaterThan(0)
    expect(expiresIn).toBeLessThanOrEqual(30_000)
    const ticket = encodeURIComponent(issued.body.ticket)

    const stream = await open(`${path}?ticket=${ticket}`)
    expect(stream.status).toBe(200)
    await new EventReader(stream).cancel()

    // Another stream, another partition, the same path on another tenant, or any other route: refused.
    expect(await errorOf(await open(`/topics/${topic}/stream?ticket=${ticket}`))).toEqual({
      status: 401,
      code: 'UNAUTHENTICATED',
      message: 'authentication failed: the ticket was issued for another stream',
    })
    expect((await open(`/topics/${topic}/partitions/1/stream?ticket=${ticket}`)).status).toBe(401)
    expect(await errorOf(await open(`${path}?ticket=${ticket}&tenant=ticket-b`))).toMatchObject({
      status: 401,
      message: 'authentication failed: the ticket was issued for another tenant',
    })
    expect((await call(appEnv, 'GET', `/topics/${topic}/partitions/0/messages?ticket=${ticket}`)).status).toBe(401)
  })

  it('refuses a tampered or forged ticket', async () => {
    const topic = await setup('ticket-c')
    const path = `/topics/${topic}/stream`
    const issued = await call(appEnv, 'POST', '/auth/ticket', { headers: admin, body: { path } })
    const [prefix, body, signature] = (issued.body.ticket as string).split('.')
    const claims = JSON.parse(atob(body!.replaceAll('-', '+').replaceAll('_', '/')))
    const widened = btoa(JSON.stringify({ ...claims, path: `/topics/other/stream` }))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '')
    for (const forged of [`${prefix}.${widened}.${signature}`, `${prefix}.${body}.${signature!.slice(0, -2)}AA`, 'kt1.e30.AAAA', 'nonsense']) {
      expect(await errorOf(await open(`${path}?ticket=${encodeURIComponent(forged)}`))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' })
    }
  })

  it('carries only the permission the stream needs, bound to the tenant it was issued in', async () => {
    const topic = await setup('ticket-d')
    // A platform admin acting in ticket-d: the ticket acts there, and grants consume on that topic only.
    const issued = await call(appEnv, 'POST', '/auth/ticket?tenant=ticket-d', { headers: admin, body: { path: `/topics/${topic}/ws` } })
    expect(issued.body.tenant).toBe('ticket-d')
    const claims = JSON.parse(atob((issued.body.ticket as string).split('.')[1]!.replaceAll('-', '+').replaceAll('_', '/')))
    expect(claims).toMatchObject({ sub: 'bootstrap', via: 'bootstrap', home: 'default', tenant: 'ticket-d', grants: [`consume@${topic}`] })
    const socket = await open(`/topics/${topic}/ws?ticket=${encodeURIComponent(issued.body.ticket)}`, { upgrade: 'websocket' })
    expect(socket.status).toBe(101)
    new SocketReader(socket.webSocket!).close()
  })

  it('is refused to a caller without consume on the topic, and for a path that is not a stream', async () => {
    const topic = await setup('ticket-e')
    const reader = await token({ tenant: 'ticket-e', roles: ['topic:read'] })
    const denied = await call(appEnv, 'POST', '/auth/ticket', { token: reader, body: { path: `/topics/${topic}/stream` } })
    expect(denied.status).toBe(403)
    expect(denied.body.error.details).toEqual({ missing: `consume@${topic}` })
    for (const path of ['/admin/topics', `/topics/${topic}/produce`, `/topics/${topic}/stream?offset=0`, '/topics/../admin/stream']) {
      const refused = await call(appEnv, 'POST', '/auth/ticket', { headers: admin, body: { path } })
      expect(refused.status, path).toBe(400)
      expect(refused.body.error.code).toBe('INVALID_REQUEST')
    }
    expect((await call(appEnv, 'POST', '/auth/ticket', { body: { path: `/topics/${topic}/stream` } })).status).toBe(401)
  })
})
