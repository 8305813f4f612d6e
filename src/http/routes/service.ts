/** Route definitions of the service itself: the index, the liveness check, and the API description. */
import { z } from 'zod'
import { defineRoute } from '../openapi/define.js'

const tag = 'Service'

export const index = defineRoute({
  method: 'get',
  path: '/',
  operationId: 'index',
  tag,
  summary: 'The service and its endpoints',
  description:
    'Names the service and version, links the API description (`/openapi.json`) and its interactive reference (`/docs`), and lists the endpoints by area.',
  answers: {
    200: {
      description: 'The service',
      schema: z
        .object({
          name: z.literal('kafdo'),
          version: z.string(),
          description: z.string(),
          /** The interactive API reference. */
          docs: z.string(),
          /** The OpenAPI 3.1 document. */
          openapi: z.string(),
          endpoints: z.record(z.string(), z.array(z.string())),
        })
        .meta({
          id: 'ServiceIndex',
          example: {
            name: 'kafdo',
            version: '0.1.0',
            description: 'Kafka on Cloudflare Workers',
            docs: '/docs',
            openapi: '/openapi.json',
            endpoints: { produce: ['POST /topics/:topic/produce', 'POST /topics/:topic/produce-batch'], health: ['GET /', 'GET /health'] },
          },
        }),
    },
  },
})

export const health = defineRoute({
  method: 'get',
  path: '/health',
  operationId: 'health',
  tag,
  summary: 'Liveness check',
  description: 'Answers without credentials, touching no storage.',
  public: true,
  answers: {
    200: {
      description: 'The Worker is up',
      schema: z.object({ status: z.literal('ok'), version: z.string(), timestamp: z.string() }).meta({ id: 'Health' }),
      example: { status: 'ok', version: '0.1.0', timestamp: '2026-01-01T00:00:00.000Z' },
    },
  },
})

export const openApiDocument = defineRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'openApiDocument',
  tag,
  summary: 'This API description (OpenAPI 3.1)',
  description:
    "Served without credentials: it describes the API, not any tenant's data, and is the same as the copy in the repository (`openapi/kafdo.openapi.json`).",
  public: true,
  answers: {
    200: {
      description: 'The OpenAPI document',
      schema: z.record(z.string(), z.unknown()),
      example: { openapi: '3.1.0', info: { title: 'Kafdo', version: '0.1.0' }, paths: {}, components: {} },
    },
  },
})

export const docs = defineRoute({
  method: 'get',
  path: '/docs',
  operationId: 'docs',
  tag,
  summary: 'Interactive API reference (Swagger UI)',
  description:
    'Swagger UI over `/openapi.json`, its script and stylesheet served by the Worker itself (no CDN). Authorize with a bearer token or an API key to try requests out.',
  public: true,
  answers: { 200: { description: 'The reference page', contentType: 'text/html; charset=utf-8', schema: z.string() } },
})

export const docsAsset = defineRoute({
  method: 'get',
  path: '/docs/swagger-ui-dist/:file',
  operationId: 'docsAsset',
  tag,
  summary: "The reference page's script and stylesheet",
  description: "Swagger UI's own files, gzip-encoded (decoded for a client that does not accept gzip).",
  public: true,
  params: { file: z.enum(['swagger-ui.css', 'swagger-ui-bundle.js']) },
  answers: {
    200: {
      description: 'The file',
      contentType: ['text/css; charset=utf-8', 'text/javascript; charset=utf-8'],
      schema: z.string(),
    },
  },
  errors: ['INVALID_REQUEST'],
})
