/**
 * The dashboard at `/ui`: a single page (Preact, bundled by scripts/build-ui.mjs from ui/ into
 * ui-assets.generated.ts) served by the Worker itself, so it needs no static-assets binding and reaches
 * no CDN. The files need no credential: the page logs in with an API key or token it keeps in session
 * storage and calls the API with it. Assets carry their content hash in their name and are cached for
 * good; the page itself is revalidated. A strict Content-Security-Policy allows only this origin.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import { KafdoError } from '../protocol/errors.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import * as routes from './routes/streams.js'
import { param } from './validate.js'
import { UI_ASSETS, UI_INDEX } from './ui-assets.generated.js'

export const uiRoutes = new OpenAPIHono<AppEnv>()

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Stream tickets travel in URLs: keep them out of any Referer.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

serve(uiRoutes, routes.dashboardPage, (c) =>
  c.body(UI_INDEX, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...SECURITY_HEADERS }),
)

serve(uiRoutes, routes.dashboardAsset, (c) => {
  const name = param(c, routes.dashboardAsset, 'name')
  const asset = Object.hasOwn(UI_ASSETS, name) ? UI_ASSETS[name] : undefined
  if (!asset) throw new KafdoError('NOT_FOUND', `no dashboard asset '${name.slice(0, 100)}'`)
  return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', ...SECURITY_HEADERS })
})
