import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app'
import { authEnv, call, token } from '../security/support'
import { request } from '../support/http'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

/** Every path the app routes, with its parameters filled in, and the methods registered for it. */
function routedPaths(): Map<string, Set<string>> {
  const paths = new Map<string, Set<string>>()
  for (const { method, path } of createApp().routes) {
    if (method === 'ALL') continue
    const concrete = path.replace(/:partition|:version|:id/g, '1').replace(/:[A-Za-z]+/g, 'x1')
    paths.set(concrete, (paths.get(concrete) ?? new Set()).add(method))
  }
  return paths
}

describe('HTTP > routing', () => {
  it('answers a wrong method on a known path with 405, the error shape and an Allow header', async () => {
    const res = await request('GET', '/topics/orders/produce')

    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST')
    expect(res.body).toEqual({
      error: {
        code: 'METHOD_NOT_ALLOWED',
        message: 'GET is not allowed on /topics/orders/produce; it takes POST',
        details: { method: 'GET', allow: ['POST'] },
      },
    })
  })

  it('lists every method a path takes, with HEAD wherever GET is', async () => {
    const res = await request('PUT', '/admin/topics')

    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST')
    expect(res.body.error.details.allow).toEqual(['GET', 'HEAD', 'POST'])
  })

  it('answers 405 for every routed path and a method it does not take, naming the ones it does', async () => {
    const paths = routedPaths()
    expect(paths.size).toBeGreaterThan(40)
    for (const [path, taken] of paths) {
      const wrong = METHODS.find((method) => !taken.has(method))!
      const res = await request(wrong, path)
      expect({ path, wrong, status: res.status, code: res.body?.error?.code }).toEqual({ path, wrong, status: 405, code: 'METHOD_NOT_ALLOWED' })
      const allow = res.headers.get('allow')!.split(', ')
      for (const method of taken) expect(allow).toContain(method)
      expect(allow).not.toContain(wrong)
    }
  })

  it('keeps 404 NOT_FOUND for a path no route takes', async () => {
    for (const path of ['/nothing', '/topics/orders', '/topics/orders/partitions/0/messages/', '/admin/topics/orders/partitions/0']) {
      const res = await request('GET', path)
      expect(res.status).toBe(404)
      expect(res.headers.get('allow')).toBeNull()
      expect(res.body.error).toEqual({ code: 'NOT_FOUND', message: `no route for GET ${path}` })
    }
  })

  it('serves HEAD on a GET route', async () => {
    const res = await request('HEAD', '/health')
    expect(res.status).toBe(200)
  })
})

describe('HTTP > routing with authentication on', () => {
  const appEnv = authEnv()

  it('answers 401 before 405: a wrong method without credentials learns nothing about the routes', async () => {
    const res = await call(appEnv, 'DELETE', '/topics/orders/produce')
    expect(res.status).toBe(401)
    expect(res.headers.get('allow')).toBeNull()
  })

  it('answers 405 to an authenticated caller, even one without any permission', async () => {
    const res = await call(appEnv, 'DELETE', '/topics/orders/produce', { token: await token({ roles: [] }) })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST')
  })

  it('answers a wrong method on /health, which needs no credentials, with 405', async () => {
    const res = await call(appEnv, 'POST', '/health')
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
  })
})
