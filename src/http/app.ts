/**
 * The Hono application: request ids, body limits, the routers, the API description, and the one error
 * renderer. Every route is served through its definition (`openapi/define.ts`), so `/openapi.json`
 * describes them all.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { KafdoError } from '../protocol/errors.js'
import { MAX_REQUEST_BODY_BYTES } from '../protocol/limits.js'
import { VERSION } from '../version.js'
import { adminRoutes } from './admin.js'
import { alertRoutes } from './alerts.js'
import { applyRoutes } from './apply.js'
import { authenticate } from './auth/authenticate.js'
import type { AppEnv } from './context.js'
import { onError, unmatched } from './errors.js'
import { serve } from './openapi/define.js'
import { serveReference } from './openapi/reference.js'
import { groupRoutes } from './groups.js'
import { monitoringRoutes } from './monitoring.js'
import { observe } from './observe.js'
import { queueRoutes } from './queues.js'
import { registryRoutes } from './registry.js'
import * as service from './routes/service.js'
import { securityRoutes } from './security.js'
import { streamRoutes } from './streams.js'
import { ticketRoutes } from './tickets.js'
import { topicRoutes } from './topics.js'
import { uiRoutes } from './ui.js'

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>()
  app.use(async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 128) || crypto.randomUUID()
    c.set('requestId', requestId)
    await next()
    c.header('x-request-id', requestId)
  })
  app.use(observe())
  serve(app, service.health, (c) => c.json({ status: 'ok', version: VERSION, timestamp: new Date().toISOString() }))
  // The dashboard's static files need no credential; the streams authenticate themselves (a ticket or the usual).
  app.route('/ui', uiRoutes)
  app.route('/topics', streamRoutes)
  app.use(authenticate())
  app.use(
    bodyLimit({
      maxSize: MAX_REQUEST_BODY_BYTES,
      onError: () => {
        throw new KafdoError('PAYLOAD_TOO_LARGE', `request body is over ${MAX_REQUEST_BODY_BYTES} bytes`, { maxBytes: MAX_REQUEST_BODY_BYTES })
      },
    }),
  )
  serve(app, service.index, (c) =>
    c.json({
      name: 'kafdo',
      version: VERSION,
      description: "Kafka's programming model on Cloudflare Workers and Durable Objects",
      docs: '/docs',
      openapi: '/openapi.json',
      endpoints: {
        produce: ['POST /topics/:topic/produce', 'POST /topics/:topic/produce-batch'],
        consume: ['GET /topics/:topic/partitions/:partition/messages', 'GET /topics/:topic/partitions/:partition/offsets'],
        streams: ['GET /topics/:topic/stream', 'GET /topics/:topic/partitions/:partition/stream', 'GET /topics/:topic/ws', 'POST /auth/ticket'],
        groups: [
          'POST /consumer-groups/:groupId/join',
          'POST /consumer-groups/:groupId/heartbeat',
          'POST /consumer-groups/:groupId/fetch',
          'POST /consumer-groups/:groupId/commit',
          'POST /consumer-groups/:groupId/leave',
          'GET /consumer-groups/:groupId',
          'GET /consumer-groups/:groupId/offsets',
        ],
        admin: [
          'GET /admin/topics',
          'POST /admin/topics',
          'GET /admin/topics/:topic',
          'DELETE /admin/topics/:topic',
          'PATCH /admin/topics/:topic/config',
          'POST /admin/topics/:topic/partitions',
          'POST /admin/topics/:topic/delete-records',
          'GET /admin/topics/:topic/offsets',
          'GET /admin/groups',
          'GET /admin/groups/:groupId',
          'POST /admin/groups/:groupId/reset-offsets',
          'DELETE /admin/groups/:groupId',
          'POST /admin/api-keys',
          'GET /admin/api-keys',
          'DELETE /admin/api-keys/:keyId',
          'GET /admin/audit',
          'GET /admin/quotas',
          'PUT /admin/quotas',
          'GET /admin/tenants',
          'POST /admin/tenants/:tenant/provision',
          'DELETE /admin/tenants/:tenant',
          'POST /admin/webhooks',
          'GET /admin/webhooks',
          'GET /admin/webhooks/:id',
          'DELETE /admin/webhooks/:id',
          'GET /admin/webhooks/:id/deliveries',
          'POST /admin/webhooks/:id/test',
          'GET /admin/groups/:groupId/health',
          'PUT /admin/groups/:groupId/health',
          'POST /admin/apply',
        ],
        queues: [
          'POST /queues',
          'GET /queues',
          'GET /queues/:name',
          'DELETE /queues/:name',
          'PATCH /queues/:name/config',
          'POST /queues/:name/messages',
          'GET /queues/:name/messages',
          'POST /queues/:name/seek',
          'POST /queues/:name/receive',
          'POST /queues/:name/ack',
          'POST /queues/:name/nack',
          'POST /queues/:name/reject',
          'POST /queues/:name/extend',
          'GET /queues/:name/dlq',
          'POST /queues/:name/dlq/redrive',
          'DELETE /queues/:name/dlq',
        ],
        schemaRegistry: [
          'GET /subjects',
          'GET /subjects/:subject/versions',
          'POST /subjects/:subject/versions',
          'GET /subjects/:subject/versions/:version',
          'GET /subjects/:subject/versions/:version/schema',
          'DELETE /subjects/:subject/versions/:version',
          'DELETE /subjects/:subject',
          'GET /schemas/ids/:id',
          'GET /config',
          'PUT /config',
          'GET /config/:subject',
          'PUT /config/:subject',
          'POST /compatibility/subjects/:subject/versions/:version',
        ],
        monitoring: ['GET /metrics', 'GET /health/topics/:topic', 'GET /health/queues/:name', 'GET /health/groups/:groupId'],
        health: ['GET /', 'GET /health'],
        reference: ['GET /openapi.json', 'GET /docs'],
        dashboard: ['GET /ui'],
      },
    }),
  )
  app.route('/topics', topicRoutes)
  app.route('/consumer-groups', groupRoutes)
  app.route('/admin', adminRoutes)
  app.route('/admin', securityRoutes)
  app.route('/admin', applyRoutes)
  app.route('/queues', queueRoutes)
  app.route('/', registryRoutes)
  app.route('/', monitoringRoutes)
  app.route('/admin', alertRoutes)
  app.route('/auth', ticketRoutes)
  serveReference(app)
  app.notFound(unmatched(() => app.routes))
  app.onError(onError)
  return app
}
