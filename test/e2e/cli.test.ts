/**
 * The `kafdo` CLI, built and packed as published, run as a child process against a local Kafdo with
 * authentication on (a bootstrap key stands in for a deployment's credential): every command, its
 * `--output json` parsed, its exit codes (0 ok, 1 failed, 2 bad usage), stdin produce of 10,000 records,
 * `consume --follow`, the progress line on a terminal only, profiles, and `apply`.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { cliIn, finished, jsonLines, type Cli } from './support/cli'
import { installInto, ROOT } from './support/project'
import { fetchAgainIfClosed } from './support/server'
import { kafdoConfig, startWrangler, type WranglerServer } from './support/wrangler'

const tarball = inject('kafdoTarball')
const BOOTSTRAP_API_KEY = `cli-test-bootstrap-${'0123456789abcdef'.repeat(3)}`
let work: string
let server: WranglerServer
let kafdo: Cli

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kafdo-cli-'))
  const app = installInto(join(work, 'app'), tarball)
  server = await startWrangler(kafdoConfig(join(work, 'server'), { AUTH_MODE: 'required', BOOTSTRAP_API_KEY }), join(work, 'state'))
  kafdo = cliIn(app, { KAFDO_URL: server.url, KAFDO_TOKEN: BOOTSTRAP_API_KEY, XDG_CONFIG_HOME: join(work, 'config') })
})

afterAll(async () => {
  await server?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

let counter = 0
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`

/** Calls the server directly, for what the CLI does not do (leasing queue records). */
async function http(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetchAgainIfClosed(`${server.url}${path}`, {
    method,
    headers: { 'x-api-key': BOOTSTRAP_API_KEY, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return response.json()
}

describe('CLI > usage and errors', () => {
  it('exits 0 for help and the version, 2 for bad usage, with one line saying what is wrong', () => {
    expect(kafdo.run(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: kafdo') })
    expect(kafdo.run(['--version']).stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
    expect(kafdo.run(['topicz', 'list'])).toMatchObject({ code: 2, stderr: expect.stringContaining("error: unknown command 'topicz'") })
    expect(kafdo.run(['topics', 'create'])).toMatchObject({ code: 2, stderr: expect.stringContaining("error: missing required argument 'topic'") })
    expect(kafdo.run(['topics', 'create', 'x', '--partitions', 'many'])).toMatchObject({
      code: 2,
      stderr: "error: --partitions must be a positive integer, got 'many'\n",
    })
    expect(kafdo.run(['topics', 'list', '--output', 'yaml']).code).toBe(2)
    expect(kafdo.run(['topics', 'list'], { env: { KAFDO_URL: 'localhost:8787' } }).stderr).toBe(
      "error: --url must be an http:// or https:// URL, got 'localhost:8787'\n",
    )
  })

  it('exits 1 with the error code and what to do: no credential, a missing topic, a missing permission', () => {
    const anonymous = kafdo.run(['topics', 'list'], { env: { KAFDO_TOKEN: '' } })
    expect(anonymous.code).toBe(1)
    expect(anonymous.stderr).toMatch(
      /^error: UNAUTHENTICATED: authentication failed: credentials are required \(give a token with --token or KAFDO_TOKEN/,
    )
    expect(kafdo.run(['topics', 'describe', 'no-such-topic'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: UNKNOWN_TOPIC_OR_PARTITION: topic 'no-such-topic' does not exist (create it with: kafdo topics create no-such-topic)\n",
    })
    const json = kafdo.run(['topics', 'describe', 'no-such-topic', '--output', 'json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stderr).error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    const down = kafdo.run(['topics', 'list', '--timeout', '2000'], { env: { KAFDO_URL: 'http://127.0.0.1:9' } })
    expect(down.code).toBe(1)
    expect(down.stderr).toContain('(is Kafdo running at http://127.0.0.1:9?')
  })
})

describe('CLI > topics', () => {
  it('creates, lists, describes, reconfigures, grows and deletes a topic', () => {
    const topic = unique('cli-topic')
    expect(kafdo.json(['topics', 'create', topic, '-p', '2', '-c', 'retention.ms=86400000'])).toMatchObject({ topic, partitions: 2 })
    expect(kafdo.run(['topics', 'create', topic])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`(see it with: kafdo topics describe ${topic})`),
    })
    expect(kafdo.json(['topics', 'list']).topics.find((t: { topic: string }) => t.topic === topic)).toMatchObject({
      partitions: 2,
      config: { 'retention.ms': '86400000' },
    })
    expect(kafdo.run(['topics', 'list']).stdout).toMatch(new RegExp(`^TOPIC +PARTITIONS +RETENTION[\\s\\S]*\\n${topic} +2 +1d `))

    const dry = kafdo.json(['topics', 'alter-config', topic, '--set', 'retention.ms=3600000', '--dry-run'])
    expect(dry).toMatchObject({ applied: false, after: { 'retention.ms': '3600000' } })
    expect(kafdo.json(['topics', 'alter-config', topic, '--set', 'cleanup.policy=compact', '--delete', 'retention.ms'])).toMatchObject({
      applied: true,
      after: { 'cleanup.policy': 'compact', 'retention.ms': '604800000' },
    })
    expect(kafdo.run(['topics', 'alter-config', topic]).code).toBe(2)
    expect(kafdo.json(['topics', 'add-partitions', topic, '--count', '3']).partitions).toBe(3)
    expect(kafdo.run(['topics', 'add-partitions', topic, '--count', '2'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: INVALID_PARTITIONS: /),
    })
    const described = kafdo.json(['topics', 'describe', topic])
    expect(described.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2])
    expect(kafdo.json(['topics', 'delete', topic])).toEqual({ topic, deleted: true })
    expect(kafdo.run(['topics', 'describe', topic]).code).toBe(1)
  })

  it('acts in another tenant with --tenant (the bootstrap key is a platform admin)', () => {
    const topic = unique('cli-tenant')
    kafdo.json(['topics', 'create', topic, '--tenant', 'cli-other'])
    expect(kafdo.json(['topics', 'list', '--tenant', 'cli-other']).topics.map((t: { topic: string }) => t.topic)).toContain(topic)
    expect(kafdo.json(['topics', 'list']).topics.map((t: { topic: string }) => t.topic)).not.toContain(topic)
  })
})

describe('CLI > produce and consume', () => {
  it('produces 10,000 key<TAB>value lines from stdin in batches, and consumes every one, in order per key', () => {
    const topic = unique('cli-bulk')
    kafdo.json(['topics', 'create', topic, '-p', '4'])
    const lines = Array.from({ length: 10_000 }, (_, n) => `user-${n % 13}\t{"n":${n}}`)
    const produced = kafdo.run(['produce', topic, '--output', 'json'], { input: `${lines.join('\n')}\n` })
    expect(produced.code, produced.stderr).toBe(0)
    expect(produced.stderr).toBe('')
    const summary = JSON.parse(produced.stdout)
    expect(summary).toMatchObject({ topic, records: 10_000, bytes: lines.reduce((sum, line) => sum + line.length - 1, 0) })
    expect(summary.partitions.reduce((sum: number, p: { records: number }) => sum + p.records, 0)).toBe(10_000)

    const consumed = kafdo.run(['consume', topic, '--from-beginning'])
    expect(consumed.code, consumed.stderr).toBe(0)
    const records = jsonLines(consumed.stdout)
    expect(records).toHaveLength(10_000)
    const byKey = new Map<string, number[]>()
    for (const record of records) byKey.set(record.key, [...(byKey.get(record.key) ?? []), record.value.n])
    expect(byKey.size).toBe(13)
    for (const [key, values] of byKey) {
      expect(values).toEqual([...values].sort((a, b) => a - b))
      expect(values.every((n) => `user-${n % 13}` === key)).toBe(true)
    }
    // Each key on one partition, as the producer's murmur2 partitioner puts it.
    for (const key of byKey.keys()) expect(new Set(records.filter((r) => r.key === key).map((r) => r.partition)).size).toBe(1)
  })

  it('produces values from arguments and a file, and refuses a line that is not JSON by its number', () => {
    const topic = unique('cli-values')
    kafdo.json(['topics', 'create', topic])
    expect(kafdo.run(['produce', topic, '{"a":1}', '"two"', '--key', 'k']).stdout).toMatch(/^produced 2 records \(\d+ B\) to cli-values-/)
    const file = join(work, 'records.txt')
    writeFileSync(file, 'x\t3\r\n\nplain text\n')
    expect(kafdo.run(['produce', topic, '--file', file, '--value-format', 'string']).code).toBe(0)
    const bad = kafdo.run(['produce', topic], { input: '1\n{oops\n' })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('error: INVALID_REQUEST: line 2: the value is not JSON: {oops')
    const records = jsonLines(kafdo.run(['consume', topic]).stdout)
    expect(records.map((r) => [r.key, r.value])).toEqual([
      ['k', { a: 1 }],
      ['k', 'two'],
      ['x', '3'],
      [null, 'plain text'],
    ])
    expect(kafdo.run(['consume', topic, '--offset', '2', '--max', '1']).stdout).toContain('"offset":2')
    // `-o` is the global --output wherever it stands.
    expect(kafdo.run(['consume', topic, '--offset', '2', '--max', '1', '-o', 'json'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('"offset":2'),
    })
  })

  it('consume --follow prints a record produced after it started', async () => {
    const topic = unique('cli-follow')
    kafdo.json(['topics', 'create', topic, '-p', '2'])
    const follower = kafdo.start(['consume', topic, '--follow', '--from-beginning', '--max', '1', '--wait-ms', '2000'])
    const done = finished(follower)
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(kafdo.run(['produce', topic, '{"late":true}']).code).toBe(0)
    const result = await done
    expect(result.code, result.stderr).toBe(0)
    expect(jsonLines(result.stdout)).toEqual([expect.objectContaining({ topic, value: { late: true } })])
  })

  it('draws the progress line on a terminal, and never into a pipe', () => {
    const topic = unique('cli-progress')
    kafdo.json(['topics', 'create', topic])
    const file = join(work, 'progress.txt')
    writeFileSync(file, Array.from({ length: 3_000 }, (_, n) => `${n}`).join('\n'))
    const command = [kafdo.bin, 'produce', topic, '--file', file, '--batch-size', '100'].map((arg) => `'${arg}'`).join(' ')
    const onTerminal = spawnSync('script', ['-qfec', command, '/dev/null'], { env: kafdo.env, encoding: 'utf8', timeout: 60_000 })
    expect(onTerminal.status, onTerminal.stdout).toBe(0)
    expect(onTerminal.stdout).toMatch(/\r\u001b\[K\[#*-*\] +\d+%  \d+ records/)
    expect(onTerminal.stdout).toContain('produced 3000 records')

    const piped = kafdo.run(['produce', topic, '--file', file, '--batch-size', '100'])
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe('')
    expect(piped.stdout).not.toContain('\r')
    expect(piped.stdout).toMatch(/^produced 3000 records/)
  })
})

describe('CLI > groups', () => {
  it('consumes as a group member, which commits; describes the group with lag; resets its offsets', () => {
    const topic = unique('cli-group')
    const group = unique('cli-g')
    kafdo.json(['topics', 'create', topic])
    kafdo.run(['produce', topic, '1', '2', '3', '4'])
    const consumed = kafdo.run(['consume', topic, '--group', group, '--max', '3'])
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(jsonLines(consumed.stdout).map((r) => r.value)).toEqual([1, 2, 3])
    expect(kafdo.json(['groups', 'list']).groups.map((g: { groupId: string }) => g.groupId)).toContain(group)
    const described = kafdo.json(['groups', 'describe', group])
    expect(described.lag).toEqual([expect.objectContaining({ topic, partition: 0, committed: 3, latest: 4, lag: 1 })])
    expect(kafdo.run(['groups', 'describe', group]).stdout).toMatch(/total lag 1/)

    expect(kafdo.run(['groups', 'reset-offsets', group, '--topic', topic]).code).toBe(2)
    const reset = kafdo.json(['groups', 'reset-offsets', group, '--topic', topic, '--to-earliest'])
    expect(reset.offsets).toEqual([expect.objectContaining({ topic, partition: 0, offset: 0 })])
    expect(kafdo.run(['consume', topic, '--group', group, '--offset', '1']).code).toBe(2)
  })
})

describe('CLI > queues and the DLQ', () => {
  it('lists, describes, purges a queue, and inspects, re-drives and purges its dead letters', async () => {
    const queue = unique('cli-queue')
    await http('POST', '/queues', { name: queue, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 1 } })
    kafdo.run(['produce', queue, '"a"', '"b"', '"c"'])
    expect(kafdo.json(['queues', 'list']).queues.map((q: { name: string }) => q.name)).toContain(queue)
    expect(kafdo.json(['queues', 'describe', queue])).toMatchObject({ name: queue, deadLetterTopic: `${queue}-dlq`, stats: { depth: 3, ready: 3 } })
    expect(kafdo.json(['dlq', 'inspect', queue])).toEqual({ messages: [] })

    const received = await http('POST', `/queues/${queue}/receive`, { consumerId: 'c', max: 1 })
    await http('POST', `/queues/${queue}/nack`, { consumerId: 'c', leaseId: received.messages[0].leaseId, error: 'boom' })
    expect(kafdo.json(['queues', 'stats', queue]).stats).toMatchObject({ depth: 2, deadLettered: 1 })
    const letters = kafdo.json(['dlq', 'inspect', queue]).messages
    expect(letters).toEqual([expect.objectContaining({ value: 'a', headers: expect.objectContaining({ 'kafdo-dlq-last-error': 'boom' }) })])
    expect(kafdo.run(['dlq', 'inspect', queue]).stdout).toMatch(/boom/)
    expect(kafdo.json(['dlq', 'redrive', queue])).toEqual({ name: queue, redriven: 1 })
    expect(kafdo.json(['dlq', 'purge', queue])).toEqual({ name: queue, purged: 1 })

    expect(kafdo.json(['queues', 'purge', queue])).toMatchObject({ name: queue, group: 'default', purged: 3 })
    expect(kafdo.json(['queues', 'stats', queue]).stats).toMatchObject({ depth: 0, ready: 0 })
  })
})

describe('CLI > API keys, schemas and profiles', () => {
  it('creates a key shown once, which then authenticates with exactly its permissions; lists and revokes it', () => {
    const created = kafdo.json(['keys', 'create', unique('cli-key'), '--permission', 'topic:read', '--expires-in', '1h'])
    expect(created.key).toMatch(/^kfd_/)
    expect(kafdo.json(['keys', 'list']).keys.find((k: { keyId: string }) => k.keyId === created.keyId)).not.toHaveProperty('key')
    const asKey = { env: { KAFDO_TOKEN: created.key } }
    expect(kafdo.run(['topics', 'list'], asKey).code).toBe(0)
    const refused = kafdo.run(['topics', 'create', 'cli-not-allowed'], asKey)
    expect(refused).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error: FORBIDDEN: missing permission topic:create@cli-not-allowed (the credential needs'),
    })
    expect(kafdo.json(['keys', 'revoke', created.keyId])).toEqual({ keyId: created.keyId, revoked: true })
  })

  it('registers, lists, reads and checks schemas; an incompatible one exits 1', () => {
    const subject = `${unique('cli-schema')}-value`
    const v1 = JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } })
    expect(kafdo.json(['schemas', 'register', subject, '--type', 'JSON', '--schema', v1])).toMatchObject({ subject, version: 1 })
    expect(kafdo.json(['schemas', 'list']).subjects).toContainEqual(expect.objectContaining({ subject, version: 1, schemaType: 'JSON' }))
    expect(kafdo.json(['schemas', 'get', subject])).toMatchObject({ subject, version: 1, schema: v1 })
    const v2 = JSON.stringify({ type: 'object', properties: { id: { type: 'string' }, note: { type: 'string' } } })
    expect(kafdo.json(['schemas', 'register', subject, '--type', 'JSON', '--schema', v2])).toMatchObject({ version: 2 })
    // `--version` after a subcommand is the schema's version, not the program's.
    expect(kafdo.json(['schemas', 'get', subject, '--version', '1'])).toMatchObject({ subject, version: 1, schema: v1 })
    expect(kafdo.json(['schemas', 'get', subject, '-v', '2'])).toMatchObject({ subject, version: 2, schema: v2 })
    expect(kafdo.json(['schemas', 'check', subject, '--type', 'JSON', '--schema', v1])).toMatchObject({ compatible: true })
    const incompatible = kafdo.run(['schemas', 'check', subject, '--type', 'JSON', '--schema', '{"type":"string"}'])
    expect(incompatible.code).toBe(1)
    expect(incompatible.stdout).toMatch(/^not compatible with /)
  })

  it('saves a profile whose token it never prints, and connects with it alone', () => {
    const env = { KAFDO_URL: '', KAFDO_TOKEN: '', XDG_CONFIG_HOME: join(work, 'profiles') }
    expect(kafdo.run(['profile', 'set', 'local', '--url', server.url, '--token-stdin'], { env, input: `${BOOTSTRAP_API_KEY}\n` }).code).toBe(0)
    expect(kafdo.run(['topics', 'list'], { env }).code).toBe(0)
    const listed = kafdo.run(['profile', 'list'], { env })
    const json = kafdo.run(['profile', 'list', '-o', 'json'], { env })
    for (const output of [listed.stdout, json.stdout]) expect(output).not.toContain(BOOTSTRAP_API_KEY)
    expect(JSON.parse(json.stdout).profiles).toEqual([{ name: 'local', current: true, url: server.url, tenant: null, token: 'set' }])
    expect(kafdo.run(['profile', 'use', 'nope'], { env }).code).toBe(2)
    expect(kafdo.run(['profile', 'delete', 'local'], { env }).code).toBe(0)
    expect(JSON.parse(kafdo.run(['profile', 'list', '-o', 'json'], { env }).stdout).profiles).toEqual([])
    expect(kafdo.run(['topics', 'list', '--profile', 'nope'], { env }).stderr).toBe("error: no profile 'nope' (see: kafdo profile list)\n")
  })
})

describe('CLI > apply', () => {
  it('prints the plan of a dry run and changes nothing, applies, then finds everything unchanged; a refusal exits 1; webhooks print no URL path', () => {
    const tenant = unique('cli-apply')
    const file = join(work, `${tenant}.yaml`)
    writeFileSync(
      file,
      [
        'topics:',
        '  orders:',
        '    partitions: 2',
        '    config:',
        '      retention.ms: 86400000',
        'queues:',
        '  jobs:',
        '    visibilityTimeoutMs: 5000',
        '',
      ].join('\n'),
    )
    const inTenant = ['--tenant', tenant]

    const dry = kafdo.run(['apply', '-f', file, '--dry-run', ...inTenant])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('+ topic orders (create)\n    partitions: 2\n    config.retention.ms: 86400000\n+ queue jobs (create)')
    expect(dry.stdout).toContain('(dry run: nothing changed): 2 to create, 0 to update, 0 to delete, 0 unchanged')
    expect(dry.stdout).not.toContain('\u001b[')
    expect(kafdo.json(['topics', 'list', ...inTenant]).topics).toEqual([])

    expect(kafdo.json(['apply', '-f', file, ...inTenant])).toMatchObject({ status: 'applied', summary: { applied: 2 } })
    const again = kafdo.json(['apply', '-f', file, ...inTenant])
    expect(again.summary).toMatchObject({ unchanged: 2, applied: 0 })

    writeFileSync(file, 'topics:\n  orders:\n    partitions: 1\n')
    const refused = kafdo.run(['apply', '-f', file, ...inTenant])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain("! refused: INVALID_PARTITIONS: topic 'orders' has 2 partitions; the count can only grow")
    expect(refused.stderr).toMatch(/^error: POLICY_VIOLATION: 1 item\(s\) refused, nothing was applied/)
    writeFileSync(file, 'topics: {}\nalerts: {}\n')
    expect(kafdo.run(['apply', '-f', file, ...inTenant]).stderr).toContain("unknown section 'alerts'")
    const pruned = kafdo.json(['apply', '-f', '-', '--prune', ...inTenant], { input: '{"topics": {"orders": {"partitions": 2}}}' })
    expect(pruned.items.map((i: { action: string; name: string }) => `${i.action} ${i.name}`)).toEqual(['delete jobs', 'update orders'])

    // Webhooks by name and group thresholds: a URL's path (a Slack token) is never printed; a secret Kafdo made is, once.
    writeFileSync(
      file,
      [
        'webhooks:',
        '  oncall:',
        '    url: https://hooks.slack.com/services/T0/B0/slacktokenXYZ',
        '    events: [record.dead_lettered]',
        '    format: slack',
        'groups:',
        '  billing:',
        '    health:',
        '      thresholds: [{ metric: lag, op: ">", value: 1000 }]',
        '',
      ].join('\n'),
    )
    const planned = kafdo.run(['apply', '-f', file, '--dry-run', ...inTenant])
    expect(planned.code, planned.stderr).toBe(0)
    expect(planned.stdout).toContain('+ webhook oncall (create)\n    url: https://hooks.slack.com/…\n')
    expect(planned.stdout).toContain('~ group billing (update)\n    health: [{"metric":"lag","op":">","value":1000}]')
    expect(planned.stdout).not.toContain('slacktokenXYZ')
    const made = kafdo.run(['apply', '-f', file, ...inTenant])
    expect(made.code, made.stderr).toBe(0)
    expect(made.stdout).toMatch(/webhook wh_[0-9a-f]{16} secret: whsec_[0-9a-f]{64} {2}\(store it now: it is not shown again\)/)
    expect(made.stdout).not.toContain('slacktokenXYZ')
    expect(kafdo.json(['apply', '-f', file, ...inTenant]).summary).toMatchObject({ unchanged: 2, applied: 0 })
  })
})
