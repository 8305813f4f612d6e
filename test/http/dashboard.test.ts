/**
 * The dashboard's files at /ui, served by the Worker from the bundle built into it: the page and its
 * hashed assets, no credential needed even with authentication on (the page logs in itself), a strict
 * Content-Security-Policy, and nothing from another origin.
 */
import { describe, expect, it } from 'vitest'
import { UI_ASSETS } from '../../src/http/ui-assets.generated'
import { authEnv, call } from '../security/support'
import { request } from '../support/http'

describe('Dashboard > static files', () => {
  it('serves the page without a credential, even with authentication on, under a strict content policy', async () => {
    const page = await call(authEnv(), 'GET', '/ui')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('cache-control')).toBe('no-cache')
    const policy = page.headers.get('content-security-policy')!
    expect(policy).toContain("default-src 'none'")
    expect(policy).toContain("script-src 'self'")
    expect(policy).toContain("connect-src 'self'")
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(page.body).toContain('<div id="app">')
    // Everything it loads comes from this origin.
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//)
  })

  it('serves every asset the page names, cached for good, and 404 for any other', async () => {
    const page = await call(authEnv(), 'GET', '/ui')
    const named = [...(page.body as string).matchAll(/\/ui\/assets\/([^"]+)"/g)].map((m) => m[1]!)
    expect(named.sort()).toEqual(Object.keys(UI_ASSETS).sort())
    for (const name of named) {
      const asset = await call(authEnv(), 'GET', `/ui/assets/${name}`)
      expect(asset.status).toBe(200)
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect(asset.headers.get('content-type')).toMatch(name.endsWith('.js') ? /^text\/javascript/ : /^text\/css/)
      expect(asset.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/)
    }
    const missing = await request('GET', '/ui/assets/app-000000000000.js')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('NOT_FOUND')
  })

  it('keeps every other route behind authentication', async () => {
    expect((await call(authEnv(), 'GET', '/admin/topics')).status).toBe(401)
    expect((await call(authEnv(), 'GET', '/ui/admin')).status).toBe(401)
  })
})
