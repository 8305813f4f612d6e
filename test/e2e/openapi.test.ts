/**
 * The OpenAPI document as an outside user meets it: validated by a real validator
 * (@apidevtools/swagger-parser), served by a local `wrangler dev` without credentials and equal to the
 * committed copy, with its Swagger UI page, and turned into a typed client (openapi-typescript +
 * openapi-fetch) that is type-checked with tsc and then used against the server to create a topic,
 * produce, fetch, and read an error body.
 */
import SwaggerParser from '@apidevtools/swagger-parser'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plainEnv, ROOT, run } from './support/project'
import { kafdoConfig, PROJECT_NODE, startWrangler, type WranglerServer } from './support/wrangler'

const BOOTSTRAP_API_KEY = 'bootstrap-key-for-the-openapi-e2e-0123456789'
const committed = JSON.parse(readFileSync(join(ROOT, 'openapi/kafdo.openapi.json'), 'utf8')) as Record<string, unknown>
let work: string
let server: WranglerServer

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kafdo-openapi-'))
  server = await startWrangler(kafdoConfig(join(work, 'server'), { AUTH_MODE: 'required', BOOTSTRAP_API_KEY }), join(work, 'state'))
})

afterAll(async () => {
  await server?.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('OpenAPI > the document', () => {
  it('is a valid OpenAPI 3.1 document to @apidevtools/swagger-parser', async () => {
    const api = await SwaggerParser.validate(structuredClone(committed) as never)
    expect((api as { openapi: string }).openapi).toBe('3.1.0')
  })

  it('is served at /openapi.json without credentials, as committed', async () => {
    const response = await fetch(`${server.url}/openapi.json`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual(committed)
  })

  it('has its reference page at /docs, whose script and stylesheet come from the server itself', async () => {
    const page = await fetch(`${server.url}/docs`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).not.toMatch(/https?:\/\//)
    const script = await fetch(new URL('docs/swagger-ui-dist/swagger-ui-bundle.js', `${server.url}/docs`))
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    // fetch asked for gzip and decoded it.
    expect(await script.text()).toContain('SwaggerUIBundle')
  })
})

const CLIENT = `import createClient from 'openapi-fetch'
import type { paths } from './kafdo-api.ts'

const [baseUrl, apiKey, topic] = process.argv.slice(2) as [string, string, string]
const kafdo = createClient<paths>({ baseUrl, headers: { 'x-api-key': apiKey } })

const created = await kafdo.POST('/admin/topics', { body: { topic, partitions: 2 } })
if (!created.data) throw new Error(\`create: \${JSON.stringify(created.error)}\`)
const partitions: number = created.data.partitions

const produced = await kafdo.POST('/topics/{topic}/produce', {
  params: { path: { topic } },
  body: { key: 'order-7', value: { total: 25.5 }, headers: { source: 'openapi' } },
})
if (!produced.data) throw new Error(\`produce: \${JSON.stringify(produced.error)}\`)
const { partition, offset } = produced.data

const fetched = await kafdo.GET('/topics/{topic}/partitions/{partition}/messages', {
  params: { path: { topic, partition }, query: { offset: 'earliest', limit: 10 } },
})
if (!fetched.data) throw new Error(\`fetch: \${JSON.stringify(fetched.error)}\`)
const records = fetched.data.messages.map((m) => ({ offset: m.offset, key: m.key, value: m.value, headers: m.headers }))

const again = await kafdo.POST('/admin/topics', { body: { topic } })
const code: string | undefined = again.error?.error.code
const message: string | undefined = again.error?.error.message

// The types are the document's: each of these is a compile error.
// @ts-expect-error partitions is a number
void (() => kafdo.POST('/admin/topics', { body: { topic, partitions: 'two' } }))
// @ts-expect-error the path parameter is required
void (() => kafdo.POST('/topics/{topic}/produce', { body: { value: 1 } }))
// @ts-expect-error no such route
void (() => kafdo.GET('/topics'))

console.log(JSON.stringify({ partitions, partition, offset, nextOffset: fetched.data.nextOffset, records, status: again.response.status, code, message }))
`

describe('OpenAPI > a typed client generated from it', () => {
  it('type-checks, creates a topic, produces, fetches, and reads an error body', () => {
    const dir = join(work, 'client')
    mkdirSync(dir, { recursive: true })
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
    run(PROJECT_NODE, [join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), join(ROOT, 'openapi/kafdo.openapi.json'), '-o', 'kafdo-api.ts'], dir)
    writeFileSync(join(dir, 'client.ts'), CLIENT)
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        verbatimModuleSyntax: true,
        skipLibCheck: true,
        types: ['node'],
      },
      files: ['client.ts'],
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
    run('node', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir, plainEnv)

    const topic = `openapi-${Date.now().toString(36)}`
    const output = JSON.parse(run(PROJECT_NODE, ['client.ts', server.url, BOOTSTRAP_API_KEY, topic], dir))
    expect(output).toMatchObject({
      partitions: 2,
      offset: 0,
      nextOffset: 1,
      records: [{ offset: 0, key: 'order-7', value: { total: 25.5 }, headers: { source: 'openapi' } }],
      status: 409,
      code: 'TOPIC_ALREADY_EXISTS',
      message: expect.stringContaining(topic),
    })
  })
})
