/**
 * `PUT /upload/:key` and `DELETE /upload/:key`: write to and delete from the bucket. Local R2 (Miniflare,
 * `wrangler dev`) sends no event notifications, so with SIMULATE_R2_NOTIFICATIONS=true these routes send
 * the notification R2 would, in R2's own message format, to the same Queue. The routes sit behind Kafdo's
 * authentication, only for the default tenant (the bucket's events are written there), and need `produce`
 * on the bucket's topic, since an upload ends up as a record there (deleting also `topic:delete`).
 */
import type { Context, Hono } from 'hono'
import { DEFAULT_TENANT } from '../../../src/core/object-names.js'
import { KafdoError } from '../../../src/index.js'
import type { R2EventNotification } from '../../../integrations/index.js'
import { authorize } from '../../../src/http/authorize.js'
import type { AppEnv } from '../../../src/http/context.js'
import type { Env } from './env.js'

/** R2's own limit on object key length. */
const MAX_KEY_BYTES = 1024

export function addUploadRoutes(app: Hono<AppEnv>): void {
  app.put('/upload/:key{.+}', async (c) => {
    const { env, key } = await prepare(c)
    const object = await env.UPLOADS.put(key, await c.req.arrayBuffer(), {
      httpMetadata: { contentType: c.req.header('content-type') ?? 'application/octet-stream' },
    })
    await notify(env, { action: 'PutObject', object: { key, size: object.size, eTag: object.etag } })
    return c.json({ bucket: env.UPLOADS_BUCKET, key, size: object.size, eTag: object.etag }, 201)
  })

  app.delete('/upload/:key{.+}', async (c) => {
    const { env, key } = await prepare(c)
    await env.UPLOADS.delete(key)
    await notify(env, { action: 'DeleteObject', object: { key } })
    return c.body(null, 204)
  })
}

async function prepare(c: Context<AppEnv>): Promise<{ env: Env; key: string }> {
  // The app is typed with Kafdo's bindings; this Worker's env has those and its own.
  const env = c.env as Env
  const key = c.req.param('key') ?? ''
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) {
    throw new KafdoError('INVALID_REQUEST', `an R2 object key can be at most ${MAX_KEY_BYTES} bytes`)
  }
  // The bucket is this Worker's, and its events are written to the default tenant's topic: another
  // tenant's credentials must not reach it.
  if (c.get('tenant') !== DEFAULT_TENANT) throw new KafdoError('FORBIDDEN', `uploads belong to tenant '${DEFAULT_TENANT}'`)
  await authorize(c, 'produce', `r2.${env.UPLOADS_BUCKET}`)
  if (c.req.method === 'DELETE') await authorize(c, 'topic:delete', `r2.${env.UPLOADS_BUCKET}`)
  return { env, key }
}

async function notify(env: Env, change: Pick<R2EventNotification, 'action' | 'object'>): Promise<void> {
  if (env.SIMULATE_R2_NOTIFICATIONS !== 'true') return
  await env.R2_EVENTS.send({ account: 'local', bucket: env.UPLOADS_BUCKET, eventTime: new Date().toISOString(), ...change })
}
