/**
 * The documentation's code blocks are tests. Every fenced block of README.md and docs/*.md, in the order
 * of DOCUMENTS, runs against fresh local servers, so a later block may rely on an earlier one (the
 * README's tour creates `orders`), and each runnable block runs twice in a row, as a user re-running it
 * would (unless marked `once`).
 *
 * Each block is preceded by a marker, `<!-- run: <kind> [options] -->` (blank lines between are fine):
 *
 * | kind | block | what the test does |
 * | --- | --- | --- |
 * | `bash` | bash | runs it with `bash -euo pipefail` against Kafdo with authentication off (as `npm start`); `localhost:8787` becomes the test server, and the `kafdo` CLI is on the PATH (the packed package's bin), its profiles in a scratch directory, `KAFDO_URL` naming the test server as its default `http://localhost:8787` would. It fails on a non-zero exit, and on an error body (`"error":{"code":"X"`) in its output whose code X the block does not name (in a comment, say). `server=deployed`: against Kafdo with authentication on instead, standing in for a deployment: `https://kafdo.example.workers.dev` becomes that server and `$BOOTSTRAP_API_KEY` holds its bootstrap key |
 * | `node` | ts | runs it as an ES module (`example.mts`) with Node 22, which strips its types, in a Node project with the packed `kafdo` installed; fails on a non-zero exit |
 * | `worker` | ts | a whole Worker module: bundled into a Worker project (the docs' own `worker-config`, the packed `kafdo`) served by `wrangler dev`, and its `fetch` called; fails unless it answers 2xx. `handler=queue messages=<id>,...`: its `queue` handler gets a batch of the `json` blocks with those ids, and fails if it retries any |
 * | `worker-fragment` | ts | statements inside a `fetch(request, env: Env, ctx)` handler (imports are hoisted), run as `worker` |
 * | `worker-types` | ts | global declarations (the `Env` interface) for every Worker block |
 * | `worker-config` | toml | the Worker project's wrangler.toml, as the docs show it (exactly one) |
 * | `typecheck` | ts | only type-checked: a whole module, or with `fragment` statements wrapped as `worker-fragment` does; `env=node` checks it as a Node module; `declare="const message: X"` declares what it uses |
 * | `json` | json | must parse; `id=<name>` lets a `worker handler=queue` block use it as a message body |
 * | `skip` | any | not run (`wrangler login`, `wrangler deploy`, ...); `reason="..."` is required |
 *
 * ```mermaid and ```text blocks need no marker. Every TypeScript block (node, worker, worker-fragment,
 * worker-types, typecheck) is type-checked, strictly, against the packed package, so none can drift from
 * the API. The test fails for a block without a marker, an unknown kind or option, and a runnable block
 * that fails. `npx vitest run --project e2e test/e2e/docs-examples.test.ts` runs only this file.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { allBlocks, linkDevPackage, markerProblems, RUNNABLE, runBlock, typecheck, writeProjects, type Servers } from './support/docs'
import { brokenLinks, parseMarker, UNMARKED_LANGUAGES, where, type CodeBlock } from './support/markdown'
import { installInto, ROOT } from './support/project'
import { kafdoConfig, startWrangler, type WranglerServer } from './support/wrangler'

/** The package as `npm pack` makes it on a fresh clone (the e2e project's global setup packs it once). */
const tarball = inject('kafdoTarball')

/** The order blocks run in: the README, then the docs as its table of contents lists them. */
const DOCUMENTS = [
  'README.md',
  'docs/http-api.md',
  'docs/semantics.md',
  'docs/consumer-groups.md',
  'docs/queues.md',
  'docs/schemas.md',
  'docs/client.md',
  'docs/cli.md',
  'docs/worker-api.md',
  'docs/kafkajs.md',
  'docs/integrations.md',
  'docs/security.md',
  'docs/monitoring.md',
  'docs/configuration.md',
  'docs/limits.md',
  'docs/deploying.md',
  'docs/performance.md',
  'docs/architecture.md',
] as const

const BOOTSTRAP_API_KEY = `docs-test-bootstrap-${'0123456789abcdef'.repeat(3)}`

const blocks = allBlocks(DOCUMENTS).filter((block) => !(block.kind === undefined && UNMARKED_LANGUAGES.has(block.lang)))
const problems = blocks.flatMap(markerProblems)
const valid = new Set(blocks.filter((block) => markerProblems(block).length === 0))

let work: string
let app: string
let scratch: string
let servers: Servers | undefined
const started: WranglerServer[] = []

describe('docs > documents and markers', () => {
  it('runs every document, and every code block says how it runs', () => {
    const documents = readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md'))
    expect(documents.map((file) => `docs/${file}`).sort()).toEqual(DOCUMENTS.filter((file) => file.startsWith('docs/')).sort())
    expect(problems).toEqual([])
  })

  it('links only to documents and headings that exist', () => {
    expect(DOCUMENTS.flatMap(brokenLinks)).toEqual([])
  })

  const block = (lang: string, marker?: string): CodeBlock => ({
    file: 'docs/x.md',
    line: 1,
    lang,
    code: '{}\n',
    ...(marker === undefined ? { kind: undefined, options: {} } : parseMarker(marker)),
  })

  it('reads a kind and its options, quoted or not', () => {
    expect(parseMarker('worker handler=queue messages=a,b once')).toEqual({
      kind: 'worker',
      options: { handler: 'queue', messages: 'a,b', once: true },
    })
    expect(parseMarker('skip reason="needs a browser: wrangler login"')).toEqual({
      kind: 'skip',
      options: { reason: 'needs a browser: wrangler login' },
    })
  })

  it('refuses a block without a marker, an unknown kind or option, a kind for another language, and a skip without a reason', () => {
    expect(markerProblems(block('bash'))).toEqual(['docs/x.md:1: ```bash block has no <!-- run: ... --> marker'])
    expect(markerProblems(block('bash', 'shell'))[0]).toContain("unknown marker kind 'shell'")
    expect(markerProblems(block('bash', 'bash retries=2'))).toEqual(["docs/x.md:1: 'bash' has no option 'retries'"])
    expect(markerProblems(block('toml', 'node'))).toEqual(["docs/x.md:1: 'node' takes ts/typescript blocks, not 'toml'"])
    expect(markerProblems(block('bash', 'skip'))).toEqual(['docs/x.md:1: \'skip\' needs reason="..."'])
    expect(markerProblems(block('json', 'json'))).toEqual([])
  })
})

describe('docs > code blocks', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kafdo-docs-'))
    app = join(work, 'app')
    scratch = join(work, 'scratch')
    mkdirSync(scratch)
    installInto(app, tarball)
    for (const name of ['@types/node', '@cloudflare/workers-types']) linkDevPackage(app, name)
    writeProjects(app, blocks)
    const start = async (server: Promise<WranglerServer>) => {
      started.push(await server)
      return started.at(-1)!
    }
    const [local, deployed, host] = await Promise.all([
      start(startWrangler(kafdoConfig(join(work, 'local'), { AUTH_MODE: 'none' }), join(work, 'state-local'))),
      start(startWrangler(kafdoConfig(join(work, 'deployed'), { AUTH_MODE: 'required', BOOTSTRAP_API_KEY }), join(work, 'state-deployed'))),
      start(startWrangler(join(app, 'worker', 'wrangler.toml'), join(work, 'state-host'))),
    ])
    servers = { local, deployed, host, bootstrapKey: BOOTSTRAP_API_KEY }
  })

  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()))
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('type-checks every TypeScript block against the packed package', () => {
    expect(typecheck(app)).toBe('')
  })

  blocks.forEach((block, index) => {
    if (!valid.has(block) || !RUNNABLE.has(block.kind!)) return
    const rounds = block.options.once ? 1 : 2
    it(`${where(block)} (${block.kind})`, async () => {
      for (let round = 1; round <= rounds; round++) {
        try {
          await runBlock(block, index, { app, scratch, servers: servers!, blocks })
        } catch (err) {
          throw new Error(`${round === 1 ? 'first run' : 'run again'}: ${(err as Error).message}`)
        }
      }
    })
  })
})
