/**
 * Runs the documentation's code blocks (see test/e2e/docs-examples.test.ts for the marker kinds): the
 * Node project they run in, the Worker project that hosts the in-Worker examples, their type-check, and
 * one function per kind that runs a block and throws, with its output, when it fails.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { codeBlocks, where, type CodeBlock } from './markdown'
import { plainEnv, ROOT } from './project'
import { fetchAgainIfClosed } from './server'
import { PROJECT_NODE, type WranglerServer } from './wrangler'

/** What a kind accepts: the fence languages and the marker options. */
export const KINDS: Record<string, { langs: string[]; options: string[]; required?: string[] }> = {
  bash: { langs: ['bash', 'sh'], options: ['server', 'once'] },
  node: { langs: ['ts', 'typescript'], options: ['once'] },
  worker: { langs: ['ts', 'typescript'], options: ['handler', 'messages', 'once'] },
  'worker-fragment': { langs: ['ts', 'typescript'], options: ['once'] },
  'worker-types': { langs: ['ts', 'typescript'], options: [] },
  'worker-config': { langs: ['toml'], options: [] },
  typecheck: { langs: ['ts', 'typescript'], options: ['env', 'fragment', 'declare'] },
  json: { langs: ['json'], options: ['id'] },
  skip: { langs: [], options: ['reason'], required: ['reason'] },
}

/** What blocks say instead of the test's own addresses. */
export const LOCAL_ADDRESS = 'localhost:8787'
export const DEPLOYED_URL = 'https://kafdo.example.workers.dev'

export const RUNNABLE = new Set(['bash', 'node', 'worker', 'worker-fragment'])

/** The problems with a block's marker (and a json block's content), if any. */
export function markerProblems(block: CodeBlock): string[] {
  if (block.kind === 'json') {
    try {
      JSON.parse(block.code)
    } catch (err) {
      return [`${where(block)}: not JSON: ${(err as Error).message}`]
    }
  }
  if (block.kind === undefined) return [`${where(block)}: \`\`\`${block.lang} block has no <!-- run: ... --> marker`]
  const spec = KINDS[block.kind]
  if (!spec) return [`${where(block)}: unknown marker kind '${block.kind}' (known: ${Object.keys(KINDS).join(', ')})`]
  const problems: string[] = []
  if (spec.langs.length > 0 && !spec.langs.includes(block.lang))
    problems.push(`${where(block)}: '${block.kind}' takes ${spec.langs.join('/')} blocks, not '${block.lang}'`)
  for (const option of Object.keys(block.options))
    if (!spec.options.includes(option)) problems.push(`${where(block)}: '${block.kind}' has no option '${option}'`)
  for (const option of spec.required ?? []) if (!block.options[option]) problems.push(`${where(block)}: '${block.kind}' needs ${option}="..."`)
  return problems
}

/** A block's generated file name: `docs/queues.md:42` → `docs-queues-42`. */
export const slug = (block: CodeBlock) => `${block.file.replace(/\.md$/, '').replace(/[^a-zA-Z0-9]+/g, '-')}-${block.line}`.toLowerCase()

const IMPORT = /^import\s(?:[^'";]*?\sfrom\s*)?['"][^'"]+['"];?[ \t]*$/gm

/** A fragment as a module: its imports at the top, the rest inside a handler that provides `env`. */
function asHandler(block: CodeBlock, body: (code: string) => string): string {
  const imports = block.code.match(IMPORT) ?? []
  const rest = block.code.replace(IMPORT, '').trim()
  const declare = typeof block.options.declare === 'string' ? `declare ${block.options.declare}\n` : ''
  return `// ${where(block)}\n${imports.join('\n')}\n${declare}${body(rest.replace(/^/gm, '    '))}\n`
}

const fetchHandler = (code: string) =>
  `export default {\n  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {\n${code}\n    return new Response('ok')\n  },\n}`

/**
 * Writes every TypeScript block where it runs or is type-checked: Node blocks in `<app>/blocks`, Worker
 * blocks in the Worker project `<app>/worker`, whose wrangler.toml is the documentation's own
 * (`worker-config`) and whose main module routes `/__block/<n>` to block n.
 */
export function writeProjects(app: string, blocks: CodeBlock[]): void {
  const worker = join(app, 'worker')
  for (const dir of ['blocks', 'worker/src/blocks', 'worker/types']) mkdirSync(join(app, dir), { recursive: true })
  const configs = blocks.filter((b) => b.kind === 'worker-config' && markerProblems(b).length === 0)
  if (configs.length !== 1) throw new Error(`the docs need exactly one worker-config block, found ${configs.length}`)
  writeFileSync(join(worker, 'wrangler.toml'), configs[0]!.code)
  const main = /^main\s*=\s*"([^"]+)"/m.exec(configs[0]!.code)?.[1]
  if (!main) throw new Error(`${where(configs[0]!)}: the Worker config names no main module`)

  const hosted: Array<{ index: number; file: string }> = []
  blocks.forEach((block, index) => {
    if (markerProblems(block).length > 0) return
    const name = slug(block)
    // .mts: an ES module whatever the package's "type", as a user's `node example.mts` runs it.
    if (block.kind === 'node') writeFileSync(join(app, 'blocks', `${name}.mts`), `// ${where(block)}\n${block.code}`)
    if (block.kind === 'worker-types') writeFileSync(join(worker, 'types', `${name}.d.ts`), block.code)
    if (block.kind === 'worker' || block.kind === 'worker-fragment') {
      hosted.push({ index, file: name })
      const code = block.kind === 'worker' ? `// ${where(block)}\n${block.code}` : asHandler(block, fetchHandler)
      writeFileSync(join(worker, 'src/blocks', `${name}.ts`), code)
    }
    if (block.kind === 'typecheck') {
      const inNode = block.options.env === 'node'
      const code = block.options.fragment
        ? asHandler(block, inNode ? (c) => `export async function example(): Promise<void> {\n${c}\n}` : fetchHandler)
        : `// ${where(block)}\n${block.code}`
      writeFileSync(inNode ? join(app, 'blocks', `${name}.mts`) : join(worker, 'src/blocks', `${name}.ts`), code)
    }
  })
  writeFileSync(join(worker, main), router(hosted))
  const strict = {
    target: 'ES2022',
    lib: ['ES2023'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
  }
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { ...strict, module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], erasableSyntaxOnly: true },
      include: ['blocks'],
    }),
  )
  writeFileSync(
    join(worker, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { ...strict, module: 'ES2022', moduleResolution: 'bundler', types: ['@cloudflare/workers-types'] },
      include: ['src/blocks', 'types'],
    }),
  )
}

/** The Worker's main module: Kafdo's Durable Objects, and each hosted block behind `/__block/<n>`. */
function router(hosted: Array<{ index: number; file: string }>): string {
  return `// Generated by test/e2e/support/docs.ts: routes /__block/<n> to documentation block n.
import { TopicPartitionDO, ConsumerGroupDO, ClusterMetadataDO } from 'kafdo'
${hosted.map(({ index, file }) => `import block${index} from './blocks/${file}'`).join('\n')}
export { TopicPartitionDO, ConsumerGroupDO, ClusterMetadataDO }
const blocks = { ${hosted.map(({ index }) => `${index}: block${index}`).join(', ')} }
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url)
    if (url.pathname === '/health') return new Response('ok')
    const handler = blocks[url.pathname.replace('/__block/', '')]
    if (!handler) return new Response('no such block', { status: 404 })
    try {
      if (url.searchParams.get('handler') !== 'queue') return await handler.fetch(new Request('http://localhost/'), env, ctx)
      const outcome = { acked: 0, retried: 0 }
      const messages = (await request.json()).map((body, i) => ({
        id: 'docs-' + i, timestamp: new Date(), attempts: 1, body,
        ack: () => void outcome.acked++, retry: () => void outcome.retried++,
      }))
      const batch = { queue: 'docs', messages, ackAll: () => void (outcome.acked += messages.length), retryAll: () => void (outcome.retried += messages.length) }
      await handler.queue(batch, env, ctx)
      return Response.json(outcome)
    } catch (err) {
      return new Response(String(err && err.stack || err), { status: 500 })
    }
  },
}
`
}

/** Links a development package of this checkout (type declarations) into the project in `dir`. */
export function linkDevPackage(dir: string, name: string): void {
  const target = join(dir, 'node_modules', name)
  mkdirSync(dirname(target), { recursive: true })
  rmSync(target, { recursive: true, force: true })
  symlinkSync(join(ROOT, 'node_modules', name), target, 'dir')
}

/** Type-checks the generated Node and Worker projects; returns tsc's complaints, or '' when clean. */
export function typecheck(app: string): string {
  const complaints: string[] = []
  for (const project of [join(app, 'tsconfig.json'), join(app, 'worker', 'tsconfig.json')]) {
    try {
      execFileSync(PROJECT_NODE, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: app, encoding: 'utf8', stdio: 'pipe' })
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string }
      complaints.push(`${stdout ?? ''}${stderr ?? ''}`)
    }
  }
  return complaints.join('\n')
}

export interface Servers {
  /** Kafdo as `npm start` runs it: authentication off. */
  local: WranglerServer
  /** Kafdo with authentication on and a bootstrap key, standing in for a deployment. */
  deployed: WranglerServer
  bootstrapKey: string
  /** The Worker project hosting the in-Worker examples. */
  host: WranglerServer
}

/** Runs a block once; throws with the block's output when it fails. */
export async function runBlock(
  block: CodeBlock,
  index: number,
  context: { app: string; scratch: string; servers: Servers; blocks: CodeBlock[] },
): Promise<void> {
  const { servers } = context
  switch (block.kind) {
    case 'bash': {
      const deployed = block.options.server === 'deployed'
      if (block.options.server !== undefined && !deployed)
        throw new Error(`${where(block)}: server=${String(block.options.server)}: only server=deployed is known`)
      const script = join(context.scratch, `${slug(block)}.sh`)
      writeFileSync(script, block.code.replaceAll(LOCAL_ADDRESS, `127.0.0.1:${servers.local.port}`).replaceAll(DEPLOYED_URL, servers.deployed.url))
      // `kafdo` is on the PATH (the packed package's bin, as after `npm install -g kafdo`), keeps its profiles
      // in the scratch directory, and reaches the local server as its default http://localhost:8787 would.
      const cli = {
        PATH: `${join(context.app, 'node_modules', '.bin')}${delimiter}${plainEnv.PATH ?? ''}`,
        XDG_CONFIG_HOME: join(context.scratch, 'config'),
        KAFDO_URL: servers.local.url,
        KAFDO_TOKEN: '',
        KAFDO_PROFILE: '',
        KAFDO_TENANT: '',
      }
      const env = deployed ? { ...plainEnv, ...cli, BOOTSTRAP_API_KEY: servers.bootstrapKey } : { ...plainEnv, ...cli }
      const result = spawnSync('bash', ['-euo', 'pipefail', script], { cwd: context.scratch, env, encoding: 'utf8', timeout: 120_000 })
      const output = `${result.stdout}${result.stderr}`
      if (result.status !== 0) throw new Error(`${where(block)}: bash exited with ${result.status ?? result.signal}:\n${output}`)
      const unannounced = [...output.matchAll(/"error":\{"code":"([A-Z_]+)"/g)].map((m) => m[1]!).filter((code) => !block.code.includes(code))
      if (unannounced.length > 0) throw new Error(`${where(block)}: answered ${unannounced.join(', ')}, which the block does not mention:\n${output}`)
      return
    }
    case 'node': {
      // Outside the type-checked folder: the address is the test server's.
      mkdirSync(join(context.app, 'run'), { recursive: true })
      const file = join(context.app, 'run', `${slug(block)}.mts`)
      writeFileSync(file, `// ${where(block)}\n${block.code.replaceAll(LOCAL_ADDRESS, `127.0.0.1:${servers.local.port}`)}`)
      const result = spawnSync(PROJECT_NODE, [file], { cwd: context.app, env: plainEnv, encoding: 'utf8', timeout: 60_000 })
      const output = `${result.stdout}${result.stderr}`
      if (result.status !== 0) throw new Error(`${where(block)}: node exited with ${result.status ?? result.signal}:\n${output}`)
      return
    }
    case 'worker':
    case 'worker-fragment': {
      const queue = block.options.handler === 'queue'
      const bodies = queue ? messageBodies(block, context.blocks) : undefined
      // The host may close a kept-alive connection that sat idle while other blocks ran.
      const response = await fetchAgainIfClosed(`${servers.host.url}/__block/${index}${queue ? '?handler=queue' : ''}`, {
        method: queue ? 'POST' : 'GET',
        ...(bodies ? { body: JSON.stringify(bodies) } : {}),
        signal: AbortSignal.timeout(60_000),
      })
      const output = await response.text()
      if (!response.ok) throw new Error(`${where(block)}: the Worker answered ${response.status}:\n${output}\n${servers.host.log().slice(-4000)}`)
      if (queue && (JSON.parse(output) as { retried: number }).retried > 0)
        throw new Error(`${where(block)}: the queue handler retried messages: ${output}`)
      return
    }
    default:
      throw new Error(`${where(block)}: '${block.kind}' blocks are not run`)
  }
}

/** The JSON blocks a queue handler block names with `messages=<id>,<id>`: the bodies of its batch. */
function messageBodies(block: CodeBlock, blocks: CodeBlock[]): unknown[] {
  const ids = String(block.options.messages ?? '')
    .split(',')
    .filter(Boolean)
  return ids.map((id) => {
    const source = blocks.find((b) => b.kind === 'json' && b.options.id === id)
    if (!source) throw new Error(`${where(block)}: no json block with id=${id}`)
    return JSON.parse(source.code) as unknown
  })
}

/** Every block of the given files, in order. */
export function allBlocks(files: readonly string[]): CodeBlock[] {
  return files.flatMap((file) => codeBlocks(file))
}
