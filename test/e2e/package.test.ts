/**
 * The published package, as a user gets it: `npm pack` on a fresh clone (no dist/ until prepack builds
 * it), the tarball installed into an empty Node project, and its entry points and type declarations
 * resolved there by plain Node and TypeScript.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { installInto, plainEnv, ROOT, run, runNode } from './support/project'

const tarball = inject('kafdoTarball')
let work: string
let app: string

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kafdo-package-'))
  app = installInto(join(work, 'app'), tarball)
})

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('Package > npm pack on a fresh clone', () => {
  it('ships every file the exports map names, with the README and the MIT LICENSE', () => {
    const files = run('tar', ['-tzf', tarball], work).trim().split('\n')
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> }
    const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))

    for (const target of targets) expect(files).toContain(`package/${target.replace(/^\.\//, '')}`)
    expect(files).toContain('package/README.md')
    // The kafdo CLI (and its alias kqctl), as the bin field names it.
    const { bin } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }
    expect(Object.keys(bin).sort()).toEqual(['kafdo', 'kqctl'])
    for (const target of Object.values(bin)) expect(files).toContain(`package/${target.replace(/^\.\//, '')}`)
    expect(files).toContain('package/LICENSE')
    expect(run('tar', ['-xOzf', tarball, 'package/LICENSE'], work)).toMatch(/^MIT License\n\nCopyright \(c\) 2026 The Kafdo authors\n/)
    // What the package does not need stays out: sources, tests, the Worker's local settings.
    expect(files.filter((file) => !/^package\/(dist\/(src|client|integrations|kafkajs)\/|README\.md$|LICENSE$|package\.json$)/.test(file))).toEqual(
      [],
    )
  })

  it('imports kafdo/client, kafdo/integrations and kafdo/kafkajs from plain Node', () => {
    const result = runNode(
      app,
      `
      const client = await import('kafdo/client')
      const integrations = await import('kafdo/integrations')
      const kafkajs = await import('kafdo/kafkajs')
      console.log(JSON.stringify({
        client: typeof client.KafdoClient,
        error: typeof client.KafdoError,
        pipeline: typeof integrations.KafdoPipeline,
        bridge: typeof integrations.R2EventBridge,
        kafka: typeof kafkajs.Kafka,
      }))
    `,
    )

    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ client: 'function', error: 'function', pipeline: 'function', bridge: 'function', kafka: 'function' })
  })

  it('resolves the type declarations of kafdo/client and kafdo/integrations under NodeNext resolution', () => {
    const tsconfig = {
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['check.ts'],
    }
    const check = `
import { KafdoClient, KafdoError } from 'kafdo/client'
import { KafdoPipeline, R2EventBridge } from 'kafdo/integrations'

const client: KafdoClient = new KafdoClient({ baseUrl: 'http://localhost:8787' })
const code: string = new KafdoError('NOT_FOUND', 'gone').code
// The declarations are real types, not any: a wrong option type is an error.
// @ts-expect-error baseUrl is a string
new KafdoClient({ baseUrl: 8787 })
export { client, code, KafdoPipeline, R2EventBridge }
`
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig))
    writeFileSync(join(app, 'check.ts'), check)

    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
    expect(() => run('node', [tsc, '-p', 'tsconfig.json'], app, plainEnv)).not.toThrow()
  })
})
