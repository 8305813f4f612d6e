/**
 * `GET /openapi.json`, `GET /docs` (Swagger UI) and Swagger UI's own files. The page loads its script
 * and stylesheet from this Worker (`/docs/swagger-ui-dist/...`), never from a CDN: they are generated
 * into `swagger-ui-assets.ts` from the swagger-ui-dist package, gzipped, and loaded on first use only.
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import { swaggerUI } from '@hono/swagger-ui'
import type { Context } from 'hono'
import type { AppEnv } from '../context.js'
import * as routes from '../routes/service.js'
import { param } from '../validate.js'
import { serve } from './define.js'
import { openApiDocument } from './document.js'

export function serveReference(app: OpenAPIHono<AppEnv>): void {
  let json: string | undefined
  serve(app, routes.openApiDocument, (c) => {
    json ??= JSON.stringify(openApiDocument(app))
    return c.body(json, 200, { 'content-type': 'application/json' })
  })
  // Relative URLs (`docs/...` from `/docs` is `/docs/...`), so the page works wherever the app is mounted.
  serve(app, routes.docs, swaggerUI<AppEnv>({ url: 'openapi.json', baseUrl: 'docs', title: 'Kafdo API', persistAuthorization: true }))
  serve(app, routes.docsAsset, serveAsset)
}

async function serveAsset(c: Context<AppEnv>): Promise<Response> {
  const file = param(c, routes.docsAsset, 'file')
  const { SWAGGER_UI_ASSETS, SWAGGER_UI_VERSION } = await import('./swagger-ui-assets.js')
  const asset = SWAGGER_UI_ASSETS[file]!
  const gzipped = Uint8Array.from(atob(asset.gzipBase64), (ch) => ch.charCodeAt(0))
  const headers = {
    'content-type': asset.type,
    // The file changes only with swagger-ui-dist's version, which the ETag names.
    'cache-control': 'public, max-age=86400',
    etag: `"swagger-ui-${SWAGGER_UI_VERSION}-${file}"`,
  }
  if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
    // Already encoded: the runtime must send the bytes as they are (workerd's `encodeBody: 'manual'`).
    return new Response(gzipped, { headers: { ...headers, 'content-encoding': 'gzip' }, encodeBody: 'manual' })
  }
  return new Response(new Blob([gzipped]).stream().pipeThrough(new DecompressionStream('gzip')), { headers })
}
