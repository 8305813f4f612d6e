import { env } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import type { KafdoEnv } from '../../src/env'
import { createApp } from '../../src/http/app'
import { uniqueName } from '../support/http'
import { authEnv, BOOTSTRAP_API_KEY } from '../security/support'

const app = createApp()
let log: MockInstance<typeof console.log>

async function send(appEnv: KafdoEnv, method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
  const headers = { ...(init.headers ?? {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) }
  const response = await app.fetch(
    new Request(`http://kafdo.test${path}`, { method, headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) }),
    appEnv,
  )
  await response.text()
  return response
}

/** The request lines logged so far, parsed. */
const lines = () =>
  log.mock.calls
    .map(([line]) => (typeof line === 'string' && line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : undefined))
    .filter((line): line is Record<string, unknown> => line?.message === 'request')

describe('Monitoring > request logs', () => {
  beforeEach(() => {
    log = vi.spyOn(console, 'log').mockImplementation(() => {})
  })
  afterEach(() => log.mockRestore())

  it('writes one JSON line per request: id, tenant, route template, status, duration, records and bytes', async () => {
    const on: KafdoEnv = { ...env, REQUEST_LOGS: 'on' }
    const topic = uniqueName('logs')
    await send(on, 'POST', '/admin/topics', { body: { topic, partitions: 1 } })
    await send(on, 'POST', `/topics/${topic}/produce-batch`, {
      body: { records: [{ value: 'secret-value' }, { value: 2 }] },
      headers: { 'x-request-id': 'req-1' },
    })
    await send(on, 'GET', `/topics/${topic}/partitions/0/messages?offset=0`)
    const [created, produced, fetched] = lines()
    expect(created).toMatchObject({ level: 'info', tenant: 'default', method: 'POST', route: '/admin/topics', status: 201 })
    expect(produced).toMatchObject({
      level: 'info',
      requestId: 'req-1',
      route: '/topics/:topic/produce-batch',
      path: `/topics/${topic}/produce-batch`,
      status: 200,
      records: 2,
      bytes: expect.any(Number),
      durationMs: expect.any(Number),
    })
    expect(fetched).toMatchObject({ route: '/topics/:topic/partitions/:partition/messages', records: 2, bytes: expect.any(Number) })
    // Never a body: the record's value appears in no line.
    expect(JSON.stringify(lines())).not.toContain('secret-value')
  })

  it('never logs a credential or a query string, and logs a failure at warn with its error code', async () => {
    const appEnv = { ...authEnv(), REQUEST_LOGS: 'on' }
    await send(appEnv, 'GET', '/admin/topics?prefix=x', { headers: { 'x-api-key': BOOTSTRAP_API_KEY } })
    await send(appEnv, 'GET', '/admin/topics', { headers: { authorization: 'Bearer not-a-real-token-but-secret' } })
    const [ok, refused] = lines()
    expect(ok).toMatchObject({ level: 'info', status: 200, path: '/admin/topics' })
    expect(refused).toMatchObject({ level: 'warn', status: 401, error: 'UNAUTHENTICATED', tenant: '_system' })
    const text = JSON.stringify(log.mock.calls)
    expect(text).not.toContain(BOOTSTRAP_API_KEY)
    expect(text).not.toContain('not-a-real-token')
    expect(text).not.toContain('prefix=x')
  })

  it('is turned off by REQUEST_LOGS=off, and LOG_LEVEL drops the lines below it', async () => {
    await send({ ...env, REQUEST_LOGS: 'off' }, 'GET', '/')
    expect(lines()).toEqual([])
    const warnOnly: KafdoEnv = { ...env, REQUEST_LOGS: 'on', LOG_LEVEL: 'warn' }
    await send(warnOnly, 'GET', '/')
    await send(warnOnly, 'GET', `/admin/topics/${uniqueName('missing')}`)
    expect(lines().map((line) => [line.level, line.status])).toEqual([['warn', 404]])
  })
})
