import { Validator } from '@cfworker/json-schema'
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app'
import { openApiDocument } from '../../src/http/openapi/document'
import { SWAGGER_UI_ASSETS } from '../../src/http/openapi/swagger-ui-assets'
import { withoutExamples } from '../support/openapi'

const app = createApp()
const document = openApiDocument(app)
const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers }, env)

describe('OpenAPI > the document', () => {
  it('describes every route the app serves, and nothing it does not', () => {
    const served = app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`)
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    )
    expect(new Set(served).size).toBe(served.length)
    expect([...served].sort()).toEqual([...documented].sort())
  })

  it('is OpenAPI 3.1 with bearer JWT and x-api-key security, required everywhere but the public routes', () => {
    expect(document.openapi).toBe('3.1.0')
    expect(document.components?.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      apiKeyAuth: { type: 'apiKey', in: 'header', name: 'x-api-key' },
    })
    expect(document.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }])
    const open = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, op]) => ((op as { security?: unknown[] }).security?.length === 0 ? [`${method} ${path}`] : [])),
    )
    expect(open.sort()).toEqual([
      'get /docs',
      'get /docs/swagger-ui-dist/{file}',
      'get /health',
      'get /openapi.json',
      'get /ui',
      'get /ui/assets/{name}',
    ])
  })

  it('lists for every operation the shared error body under each status, 401 wherever a credential is needed', () => {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, op] of Object.entries(item) as Array<[string, { security?: unknown[]; responses: Record<string, any> }]>) {
        const statuses = Object.keys(op.responses).map(Number)
        expect(
          statuses.some((s) => s < 300),
          `${method} ${path}`,
        ).toBe(true)
        if (op.security?.length !== 0) expect(op.responses['401']?.['x-error-codes'], `${method} ${path}`).toEqual(['UNAUTHENTICATED'])
        for (const status of statuses.filter((s) => s >= 400)) {
          const response = op.responses[String(status)]
          expect(response.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorBody' })
          expect(Object.keys(response.content['application/json'].examples)).toEqual(response['x-error-codes'])
        }
      }
    }
  })

  it("gives every JSON success answer an example (the answer's or its schema's) that its schema accepts", () => {
    const missing: string[] = []
    const invalid: string[] = []
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, op] of Object.entries(item) as Array<[string, { responses: Record<string, any> }]>) {
        for (const [status, response] of Object.entries(op.responses).filter(([status]) => Number(status) < 300)) {
          const media = response.content?.['application/json']
          if (!media) continue
          const label = `${method} ${path} ${status}`
          const example = exampleOf(media)
          if (example === undefined) {
            missing.push(label)
            continue
          }
          const errors = validatorFor(media.schema).validate(example).errors
          if (errors.length > 0) invalid.push(`${label}: ${JSON.stringify(errors.slice(0, 2))}`)
        }
      }
    }
    expect(missing).toEqual([])
    expect(invalid).toEqual([])
  })

  it('documents the alert webhook receivers get', () => {
    expect(document.webhooks?.alertEvent?.post?.requestBody).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookEvent' } } },
    })
  })
})

type Media = { schema: Record<string, unknown>; example?: unknown; examples?: Record<string, { value?: unknown }> }

const componentSchemas = (document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>

/** The example a reader sees for an answer: its own, else one of its `examples`, else its (referenced) schema's. */
function exampleOf(media: Media): unknown {
  if (media.example !== undefined) return media.example
  const named = Object.values(media.examples ?? {})[0]
  if (named?.value !== undefined) return named.value
  const ref = media.schema.$ref
  const schema = typeof ref === 'string' ? componentSchemas[ref.replace('#/components/schemas/', '')] : media.schema
  return schema?.example ?? (Array.isArray(schema?.examples) ? schema.examples[0] : undefined)
}

/** The answer's schema as a JSON Schema (2020-12) whose `#/components/schemas/...` references resolve. */
function validatorFor(schema: object): Validator {
  return new Validator(
    { ...(withoutExamples(schema) as object), components: { schemas: withoutExamples(componentSchemas) } } as never,
    '2020-12',
    false,
  )
}

describe('OpenAPI > serving it', () => {
  it('answers /openapi.json as the document, and GET / links it and the reference', async () => {
    const response = await get('/openapi.json')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(document)))
    const index = (await (await get('/')).json()) as Record<string, any>
    expect(index).toMatchObject({ docs: '/docs', openapi: '/openapi.json' })
    expect(index.endpoints.reference).toEqual(['GET /openapi.json', 'GET /docs'])
  })

  it('serves the Swagger UI page with its script and stylesheet from the Worker, never a CDN', async () => {
    const page = await get('/docs')
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await page.text()
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    expect(urls.sort()).toEqual(['docs/swagger-ui-dist/swagger-ui-bundle.js', 'docs/swagger-ui-dist/swagger-ui.css'])
    expect(html).toContain("url: 'openapi.json'")
    expect(html).not.toMatch(/https?:\/\//)
  })

  it('sends the assets gzip-encoded to a client that takes gzip, and decoded to one that does not', async () => {
    for (const [file, type] of [
      ['swagger-ui-bundle.js', 'text/javascript'],
      ['swagger-ui.css', 'text/css'],
    ] as const) {
      const gzipped = await get(`/docs/swagger-ui-dist/${file}`, { 'accept-encoding': 'gzip, br' })
      expect(gzipped.status).toBe(200)
      expect(gzipped.headers.get('content-type')).toMatch(new RegExp(`^${type}`))
      expect(gzipped.headers.get('content-encoding')).toBe('gzip')
      const bytes = new Uint8Array(await gzipped.arrayBuffer())
      expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b])
      expect(bytes.length).toBe(atob(SWAGGER_UI_ASSETS[file]!.gzipBase64).length)

      const plain = await get(`/docs/swagger-ui-dist/${file}`)
      expect(plain.headers.get('content-encoding')).toBeNull()
      const text = await plain.text()
      expect(text.length).toBeGreaterThan(bytes.length)
      if (file === 'swagger-ui-bundle.js') expect(text).toContain('SwaggerUIBundle')
      else expect(text).toContain('.swagger-ui')
    }
    const missing = await get('/docs/swagger-ui-dist/index.html')
    expect(missing.status).toBe(400)
    expect(((await missing.json()) as any).error.code).toBe('INVALID_REQUEST')
  })

  it('still answers 405 with Allow for a method a documented path does not take', async () => {
    const response = await app.request('/openapi.json', { method: 'POST' }, env)
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, HEAD')
  })
})
