/**
 * The README's "HTTP Client SDK" example, run as a user would: the package packed from a fresh copy of
 * the tree (see support/global-setup.ts), the tarball installed into a fresh Node project, a local server
 * started with `wrangler dev`, and the example executed by plain Node against it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { installInto, ROOT, run, runNode } from './support/project'
import { captureOutput, freePort, stopProcessGroup, waitForHealth } from './support/server'

let work: string
let app: string
let baseUrl: string
let server: ChildProcess | undefined
const tarball = inject('kafdoTarball')

const node = (script: string) => runNode(app, script)

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kafdo-e2e-'))
  app = installInto(join(work, 'app'), tarball)

  const [port, inspectorPort] = [await freePort(), await freePort()]
  baseUrl = `http://127.0.0.1:${port}`
  server = spawn(
    'npx',
    // Authentication off, as `npm start` runs it locally: the README example sends a placeholder token.
    [
      'wrangler',
      'dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      join(work, 'state'),
      '--var',
      'AUTH_MODE:none',
    ],
    {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  await waitForHealth(baseUrl, server, captureOutput(server))
})

afterAll(async () => {
  await stopProcessGroup(server)
  if (work) rmSync(work, { recursive: true, force: true })
})

/** Creates a topic unless it exists. */
async function ensureTopic(topic: string): Promise<void> {
  const response = await fetch(`${baseUrl}/admin/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic, partitions: 1 }),
  })
  expect([201, 409]).toContain(response.status)
}

/**
 * Makes `groupId` an existing, empty group: a commit outside any membership is accepted for a group with
 * no members, and creates it.
 */
async function ensureEmptyGroup(groupId: string, topic: string): Promise<void> {
  const response = await fetch(`${baseUrl}/consumer-groups/${groupId}/commit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ offsets: [{ topic, partition: 0, offset: 0 }] }),
  })
  expect(response.status).toBe(200)
}

describe('README > kafdo/client examples', () => {
  it('packs dist/client and the type declarations', () => {
    const files = run('tar', ['-tzf', tarball], work).split('\n')

    expect(files).toContain('package/dist/client/index.js')
    expect(files).toContain('package/dist/client/index.d.ts')
    expect(files).toContain('package/dist/src/index.d.ts')
    expect(existsSync(join(app, 'node_modules/kafdo/package.json'))).toBe(true)
  })

  it('imports kafdo/client from plain Node and rebuilds server errors as KafdoError', () => {
    const result = node(`
      import { KafdoClient, KafdoError } from 'kafdo/client'
      const client = new KafdoClient({ baseUrl: ${JSON.stringify(baseUrl)} })
      try {
        await client.admin().describeTopic('no-such-topic')
        console.log('no error')
      } catch (err) {
        console.log(JSON.stringify({ isKafdoError: err instanceof KafdoError, code: err.code, status: err.status, retriable: err.retriable }))
      }
    `)

    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ isKafdoError: true, code: 'UNKNOWN_TOPIC_OR_PARTITION', status: 404, retriable: false })
  })

  it('runs as written against a local server', async () => {
    // The example produces to 'events', deletes 'old-logs' and deletes the group 'old-group', so all
    // three must exist first (the group empty, as a group with members cannot be deleted).
    await ensureTopic('events')
    await ensureTopic('old-logs')
    await ensureEmptyGroup('old-group', 'events')

    // The seed README's "HTTP Client SDK" example, verbatim but for the base URL, then a line of checks.
    const result = node(`
import { KafdoClient } from 'kafdo/client'

// Create client pointing to your Kafdo deployment
const client = new KafdoClient({
  baseUrl: ${JSON.stringify(baseUrl)},
  clientId: 'my-app',
  timeout: 30000,
  headers: {
    'Authorization': 'Bearer your-token'
  }
})

// Check service health
const health = await client.health()
console.log('Status:', health.status)

// Producer operations
const producer = client.producer({ defaultTopic: 'events' })

await producer.send({
  key: 'user-123',
  value: { type: 'page_view', page: '/home' }
})

await producer.sendBatch([
  { key: 'user-123', value: { type: 'click', button: 'signup' } },
  { key: 'user-456', value: { type: 'page_view', page: '/about' } }
])

// Consumer operations
const consumer = client.consumer({
  groupId: 'analytics-processor',
  topics: ['events'],
  autoCommit: true
})

// Connect and join consumer group
const joinResult = await consumer.connect()
console.log('Member ID:', joinResult.memberId)

// Fetch messages from a partition
const { messages } = await consumer.fetch('events', 0, { offset: 0, limit: 100 })

for (const msg of messages) {
  console.log(\`\${msg.key}: \${JSON.stringify(msg.value)}\`)
}

// Commit offsets
await consumer.commit()

// Get partition offsets
const offsets = await consumer.getOffsets('events', 0)
console.log(\`Earliest: \${offsets.earliest}, Latest: \${offsets.latest}\`)

// Disconnect from consumer group
await consumer.disconnect()

// Admin operations
const admin = client.admin()

await admin.createTopic({ topic: 'logs', partitions: 5 })

const topics = await admin.listTopics()
const topicInfo = await admin.describeTopic('logs')
const groups = await admin.listGroups()
const groupInfo = await admin.describeGroup('analytics-processor')

await admin.addPartitions('logs', 10)
await admin.deleteTopic('old-logs')
await admin.deleteGroup('old-group')

// Added by the test, to check what the example did.
console.log('RESULT ' + JSON.stringify({
  memberId: joinResult.memberId,
  assignment: joinResult.assignment,
  topics: topics.sort(),
  logsPartitions: topicInfo.partitions.length,
  groups: groups.sort((a, b) => a.groupId.localeCompare(b.groupId)),
  groupState: groupInfo.state,
  groupMembers: groupInfo.members.length,
  groupOffsets: groupInfo.offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
  logsAfter: (await admin.describeTopic('logs')).partitions.length,
  topicsAfter: (await admin.listTopics()).sort(),
  groupsAfter: (await admin.listGroups()).map((group) => group.groupId).sort(),
}))
`)

    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toBe('Status: ok')
    expect(lines[1]).toMatch(/^Member ID: my-app-\S+$/)
    expect(lines.slice(2, 6)).toEqual([
      'user-123: {"type":"page_view","page":"/home"}',
      'user-123: {"type":"click","button":"signup"}',
      'user-456: {"type":"page_view","page":"/about"}',
      'Earliest: 0, Latest: 3',
    ])
    const checks = JSON.parse(lines[6]!.replace(/^RESULT /, '')) as Record<string, unknown>
    expect(lines[1]).toBe(`Member ID: ${String(checks.memberId)}`)
    expect(checks).toEqual({
      memberId: expect.any(String),
      assignment: [{ topic: 'events', partitions: [0] }],
      topics: ['events', 'logs', 'old-logs'],
      logsPartitions: 5,
      // The example's consumer committed, then left: its group is Empty and keeps its offsets.
      groups: [
        { groupId: 'analytics-processor', state: 'Empty', members: 0 },
        { groupId: 'old-group', state: 'Empty', members: 0 },
      ],
      groupState: 'Empty',
      groupMembers: 0,
      groupOffsets: [{ topic: 'events', partition: 0, offset: 3 }],
      logsAfter: 10,
      topicsAfter: ['events', 'logs'],
      groupsAfter: ['analytics-processor'],
    })
  })

  it('lets a script that never disconnects exit: the heartbeat timer does not keep Node alive', async () => {
    await ensureTopic('events')
    const started = Date.now()

    const result = node(`
      import { KafdoClient } from 'kafdo/client'
      const consumer = new KafdoClient({ baseUrl: ${JSON.stringify(baseUrl)} }).consumer({ groupId: 'forgetful', topics: ['events'], heartbeatIntervalMs: 100 })
      const joined = await consumer.connect()
      await new Promise((resolve) => setTimeout(resolve, 350))
      console.log(JSON.stringify({ memberEpoch: joined.memberEpoch, assignment: consumer.assignment() }))
    `)

    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ memberEpoch: expect.any(Number), assignment: expect.any(Array) })
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('connects two consumers of one group one after the other in one process: the second joins in one request, the first stays, and they share the partitions', async () => {
    const created = await fetch(`${baseUrl}/admin/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'two-consumers', partitions: 6 }),
    })
    expect([201, 409]).toContain(created.status)

    // Default options, as the README writes a consumer: the background heartbeats do the whole rebalance.
    const result = node(`
      import { KafdoClient } from 'kafdo/client'
      const requests = []
      const client = new KafdoClient({ baseUrl: ${JSON.stringify(baseUrl)}, fetch: (url, init) => (requests.push(new URL(url).pathname), fetch(url, init)) })
      const groupId = 'two-in-one-process-' + Date.now()
      const first = client.consumer({ groupId, topics: ['two-consumers'] })
      const second = client.consumer({ groupId, topics: ['two-consumers'] })
      await first.connect()
      requests.length = 0
      const joined = await second.connect()
      const connectRequests = [...requests]
      const count = (c) => c.assignment().reduce((n, tp) => n + tp.partitions.length, 0)
      for (let waited = 0; (count(first) !== 3 || count(second) !== 3) && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100))
      const group = await client.admin().describeGroup(groupId)
      console.log(JSON.stringify({
        connectRequests,
        secondAtJoin: joined.assignment,
        shares: [count(first), count(second)],
        members: group.members.map((m) => m.memberId).sort(),
        expected: [first.memberId, second.memberId].sort(),
        state: group.state,
      }))
      await first.disconnect()
      await second.disconnect()
    `)

    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const outcome = JSON.parse(result.stdout) as Record<string, unknown>
    expect(outcome).toMatchObject({ connectRequests: [expect.stringMatching(/\/join$/)], secondAtJoin: [], shares: [3, 3], state: 'Stable' })
    expect(outcome.members).toEqual(outcome.expected)
  })
})
