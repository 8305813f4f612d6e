/**
 * `kafdo/kafkajs` as a Node service gets it: the packed package installed into a fresh Node project, a
 * local Kafdo served by `wrangler dev`, and plain Node running kafkajs's documented examples
 * (test/kafkajs/examples, only the import and the constructor changed) over HTTP. Also: the HTTP side
 * never loads the Worker's code, and TypeScript written against kafkajs's published types compiles
 * against kafdo/kafkajs with only its import changed.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { linkDevPackage } from './support/docs'
import { installInto, ROOT, runNode } from './support/project'
import { kafdoConfig, PROJECT_NODE, startWrangler, type WranglerServer } from './support/wrangler'

const tarball = inject('kafdoTarball')
const EXAMPLES = join(ROOT, 'test/kafkajs/examples')

let work: string
let app: string
let server: WranglerServer | undefined

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kafdo-kafkajs-'))
  app = installInto(join(work, 'app'), tarball)
  for (const name of ['@types/node', 'kafkajs']) linkDevPackage(app, name)
  mkdirSync(join(app, 'examples'))
  for (const file of readdirSync(EXAMPLES)) copyFileSync(join(EXAMPLES, file), join(app, 'examples', file))
  server = await startWrangler(kafdoConfig(join(work, 'config'), { AUTH_MODE: 'none' }), join(work, 'state'))
})

afterAll(async () => {
  await server?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

/** Runs `body` as an ES module in the app, with `url`, `createTopic`, `produce`, `until` and `check` in scope. */
function node(body: string): { code: number; output: string } {
  const result = runNode(
    app,
    `
const url = ${JSON.stringify(server!.url)}
const kafdo = { url }
const call = async (method, path, body) => {
  const response = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) })
  return { status: response.status, body: await response.json() }
}
const createTopic = async (topic, partitions = 1) => {
  const { status } = await call('POST', '/admin/topics', { topic, partitions })
  if (status !== 201 && status !== 409) throw new Error('createTopic ' + topic + ': ' + status)
}
const produce = (topic, records) => call('POST', '/topics/' + topic + '/produce-batch', { records })
const until = async (condition, what) => {
  const deadline = Date.now() + 30000
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what)
    await new Promise((r) => setTimeout(r, 20))
  }
}
const check = (ok, what) => { if (!ok) throw new Error('failed: ' + what) }
const logged = []
const log = console.log
console.log = (...args) => { logged.push(args[0]); log(JSON.stringify(args[0])) }
console.info = () => {}
try {
${body}
  log('done')
  process.exit(0)
} catch (err) {
  log(err && err.stack || String(err))
  process.exit(1)
}
`,
  )
  return { code: result.code, output: `${result.stdout}${result.stderr}` }
}

describe('kafdo/kafkajs in Node, over HTTP, from the packed package', () => {
  it("runs kafkajs's Getting Started", () => {
    const { code, output } = node(`
await createTopic('test-topic')
const { default: gettingStarted } = await import('./examples/getting-started.js')
const { consumer } = await gettingStarted(kafdo)
await until(() => logged.some((line) => line && line.value === 'Hello KafkaJS user!'), 'the message')
await consumer.disconnect()
`)
    expect(output).toContain('done')
    expect(code).toBe(0)
  })

  it("runs kafkajs's Producing examples", () => {
    const { code, output } = node(`
await createTopic('topic-name', 3)
for (const topic of ['topic-a', 'topic-b', 'topic-c']) await createTopic(topic)
const { default: producing } = await import('./examples/producing.js')
const answers = await producing(kafdo)
check(answers.partitioned.map((m) => m.partition).join() === '0,1', 'partitions kept')
check(answers.batch.map((m) => m.topicName).sort().join() === 'topic-a,topic-b,topic-c', 'sendBatch answers')
check(answers.keyed.every((m) => m.errorCode === 0 && /^\\d+$/.test(m.baseOffset)), 'record metadata')
`)
    expect(output).toContain('done')
    expect(code).toBe(0)
  })

  it("runs kafkajs's eachBatch examples, committing every offset", () => {
    const { code, output } = node(`
await createTopic('topic-eb', 3)
await produce('topic-eb', Array.from({ length: 12 }, (_, i) => ({ key: 'k' + i, value: 'v' + i })))
const processed = []
const { default: eachBatch } = await import('./examples/each-batch.js')
const { consumer, processing } = await eachBatch(kafdo, async (message) => { processed.push(message.key.toString()) })
await until(() => processed.length === 12 && logged.filter((l) => l && l.topic === 'topic-eb').length === 12, 'every message')
await consumer.disconnect()
await processing.disconnect()
const { body } = await call('GET', '/admin/groups/eb-process')
check(body.totalLag === 0, 'no lag')
`)
    expect(output).toContain('done')
    expect(code).toBe(0)
  })

  it("runs kafkajs's admin topic management", () => {
    const { code, output } = node(`
const { default: adminTopics } = await import('./examples/admin-topics.js')
const answers = await adminTopics(kafdo, 'admin-e2e', Date.now())
check(answers.validated === true && answers.created === true && answers.createdAgain === false, 'created once')
check(answers.metadata.topics[0].partitions.length === 4, 'grown to four partitions')
check(answers.offsetsAfterDeletion[0].low === '3', 'records deleted')
check(!answers.listedAfter.includes('admin-e2e'), 'deleted')
`)
    expect(output).toContain('done')
    expect(code).toBe(0)
  })

  it("runs kafkajs's Seek and Pause & Resume examples", () => {
    const { code, output } = node(`
await createTopic('example')
for (let from = 0; from < 12400; from += 3100) await produce('example', Array.from({ length: 3100 }, (_, i) => ({ value: from + i })))
const { default: seek } = await import('./examples/seek.js')
const { consumer } = await seek(kafdo, 'seek-e2e')
await until(async () => (await call('GET', '/admin/groups/seek-e2e')).body.offsets.some((o) => o.offset === 12400), 'the commit after the last record')
await consumer.disconnect()

await createTopic('jobs', 3)
await produce('jobs', ['a', 'b', 'c', 'd'].map((key) => ({ key, value: key })))
class TooManyRequestsError extends Error { constructor(retryAfter) { super('too many'); this.retryAfter = retryAfter } }
const delivered = []
let refused = false
const sendToDependency = async (message) => {
  if (message.key.toString() === 'b' && !refused) { refused = true; throw new TooManyRequestsError(0.01) }
  delivered.push(message.key.toString())
}
const { pauseTopic } = await import('./examples/pause-resume.js')
const paused = await pauseTopic(kafdo, 'jobs-e2e', { sendToDependency, TooManyRequestsError })
await until(() => delivered.length === 4, 'every job')
await paused.consumer.disconnect()
check(refused && delivered.sort().join() === 'a,b,c,d', 'the refused job delivered again')
`)
    expect(output).toContain('done')
    expect(code).toBe(0)
  })
})

describe('kafdo/kafkajs > packaging', () => {
  it("loads over HTTP without the Worker's code: its static imports never reach the services, the Durable Objects or cloudflare:*", () => {
    const dist = join(app, 'node_modules', 'kafdo', 'dist')
    const reached = new Set<string>()
    const specifiers = new Set<string>()
    const visit = (file: string) => {
      if (reached.has(file)) return
      reached.add(file)
      const source = readFileSync(file, 'utf8')
      for (const match of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
        const specifier = match[1] ?? match[2]!
        if (!specifier.startsWith('.')) specifiers.add(specifier)
        else visit(resolve(dirname(file), specifier))
      }
    }
    visit(join(dist, 'kafkajs', 'index.js'))
    const files = [...reached].map((file) => relative(dist, file))
    expect(files).toContain('kafkajs/http-transport.js')
    expect(files).not.toContain('kafkajs/env-transport.js')
    expect(files.filter((file) => /^src\/(services|api|durable-objects|storage|http)\/|^src\/index\.js$/.test(file))).toEqual([])
    expect([...specifiers].filter((s) => s.startsWith('cloudflare:'))).toEqual([])
    expect(readFileSync(join(dist, 'kafkajs', 'kafka-context.js'), 'utf8')).toContain("import('./env-transport.js')")
  })

  it("compiles TypeScript written against kafkajs's types, with only the import changed", () => {
    const dir = join(app, 'types-check')
    mkdirSync(dir, { recursive: true })
    const usage = readFileSync(join(ROOT, 'test/kafkajs/types/kafkajs-usage.ts'), 'utf8')
    const swapped = usage.replace("from 'kafkajs'", "from 'kafdo/kafkajs'")
    expect(swapped.split('\n').filter((line, i) => line !== usage.split('\n')[i])).toEqual(["} from 'kafdo/kafkajs'"])
    writeFileSync(join(dir, 'against-kafkajs.ts'), usage)
    writeFileSync(join(dir, 'against-kafdo.ts'), swapped)
    const tsc = (file: string) => {
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            verbatimModuleSyntax: true,
            types: ['node'],
          },
          files: [file],
        }),
      )
      try {
        execFileSync(PROJECT_NODE, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], {
          cwd: dir,
          encoding: 'utf8',
          stdio: 'pipe',
        })
        return ''
      } catch (err) {
        const { stdout, stderr } = err as { stdout?: string; stderr?: string }
        return `${stdout ?? ''}${stderr ?? ''}`
      }
    }
    expect(tsc('against-kafkajs.ts')).toBe('')
    expect(tsc('against-kafdo.ts')).toBe('')
  })
})
