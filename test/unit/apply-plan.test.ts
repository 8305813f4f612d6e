import { describe, expect, it } from 'vitest'
import { planApply, type CurrentState } from '../../src/core/apply/plan'
import { parseApplyDocument, type ApplyDocument } from '../../src/protocol/apply'
import { DEFAULT_QUEUE_POLICY } from '../../src/protocol/queues'
import { DEFAULT_TOPIC_CONFIG } from '../../src/protocol/topic-config'
import type { TopicMetadata } from '../../src/protocol/topics'

const topic = (name: string, overrides: Partial<TopicMetadata> = {}): TopicMetadata => ({
  topic: name,
  topicId: `id-${name}`,
  partitions: 1,
  config: { ...DEFAULT_TOPIC_CONFIG },
  queue: structuredClone(DEFAULT_QUEUE_POLICY),
  createdAt: 0,
  ...overrides,
})

const state = (overrides: Partial<CurrentState> = {}): CurrentState => ({
  topics: [],
  subjects: [],
  subjectStates: {},
  quotas: {},
  apiKeys: [],
  webhooks: [],
  webhookSecretDigests: {},
  declaredSecretDigests: {},
  groupThresholds: {},
  now: 1_000,
  ...overrides,
})

const plan = (document: ApplyDocument, current: CurrentState, options = { prune: false, rotateKeys: false }) =>
  planApply(parseApplyDocument(document), current, options).map(({ item, step }) => ({ ...item, op: step?.op }))

describe('Apply > plan', () => {
  it('finds a topic unchanged when its config only differs in spelling, and a queue whose policy keys come in another order', () => {
    const current = state({
      topics: [
        topic('logs', { config: { ...DEFAULT_TOPIC_CONFIG, 'cleanup.policy': 'compact,delete' } }),
        topic('jobs', { queue: { ...DEFAULT_QUEUE_POLICY, retry: { maxAttempts: 3, delayMs: 10, strategy: 'fixed' } } }),
      ],
    })
    const planned = plan(
      {
        topics: { logs: { config: { 'cleanup.policy': 'delete, compact', 'replication.factor': 3 } } },
        queues: { jobs: { retry: { strategy: 'fixed', delayMs: 10, maxAttempts: 3 } } },
      },
      current,
    )
    expect(planned.map((i) => [i.name, i.action, i.op])).toEqual([
      ['logs', 'unchanged', undefined],
      ['jobs', 'unchanged', undefined],
    ])
  })

  it('sets declared keys and resets the others to the tenant’s defaults, which its quotas lower', () => {
    const current = state({ topics: [topic('t', { config: { ...DEFAULT_TOPIC_CONFIG, 'retention.ms': 5_000, 'max.message.bytes': 100 } })] })
    const [item] = planApply(
      parseApplyDocument({ topics: { t: { config: { 'max.message.bytes': 200 } } }, quotas: { maxRetentionMs: 60_000 } }),
      current,
      {
        prune: false,
        rotateKeys: false,
      },
    ).slice(1)
    expect(item!.item.changes).toEqual([
      { field: 'config.retention.ms', from: '5000', to: '60000' },
      { field: 'config.max.message.bytes', from: '100', to: '200' },
    ])
    expect(item!.step).toEqual({
      op: 'updateTopic',
      topic: 't',
      queue: false,
      input: { config: { 'max.message.bytes': 200 }, reset: ['retention.ms'] },
    })
  })

  it('checks quotas against the topics as the plan leaves them: creations in order, after what prune deletes', () => {
    const current = state({ topics: [topic('old'), topic('__audit')], quotas: { maxTopics: 2 } })
    const document = { topics: { a: {}, b: {}, c: {} } }
    expect(plan(document, current).map((i) => [i.name, i.refusal?.code])).toEqual([
      ['a', undefined],
      ['b', 'POLICY_VIOLATION'],
      ['c', 'POLICY_VIOLATION'],
    ])
    expect(plan(document, current, { prune: true, rotateKeys: false }).map((i) => [i.action, i.name, i.refusal?.code])).toEqual([
      ['delete', 'old', undefined],
      ['create', 'a', undefined],
      ['create', 'b', undefined],
      ['create', 'c', 'POLICY_VIOLATION'],
    ])
  })

  it('prunes neither internal topics nor the dead-letter topic of a declared topic, and only the sections present', () => {
    const current = state({
      topics: [topic('__audit'), topic('jobs'), topic('jobs-dlq'), topic('gone-dlq'), topic('stray')],
      subjects: ['stray-value'],
      apiKeys: [{ keyId: 'k1', tenant: 't', name: 'old', permissions: ['admin'], createdBy: 'x', createdAt: 0, expiresAt: null, revokedAt: null }],
    })
    const planned = plan({ queues: { jobs: {} } }, current, { prune: true, rotateKeys: false })
    expect(planned.filter((i) => i.action === 'delete').map((i) => i.name)).toEqual(['gone-dlq', 'stray'])
  })

  it('refuses a schema that is an older version of its subject, and one the compatibility mode refuses', () => {
    const v1 = JSON.stringify({ type: 'object', properties: { a: { type: 'string' } } })
    const v2 = JSON.stringify({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } })
    const versions = [
      { subject: 's-value', id: 1, version: 1, schema: v1, schemaType: 'JSON' as const },
      { subject: 's-value', id: 2, version: 2, schema: v2, schemaType: 'JSON' as const },
    ]
    const current = state({ subjects: ['s-value'], subjectStates: { 's-value': { versions, compatibility: 'BACKWARD' } } })
    const older = plan({ schemas: { 's-value': { schemaType: 'JSON', schema: JSON.parse(v1) } } }, current)
    expect(older[0]!.refusal?.message).toMatch(/is version 1 of 's-value', not its latest \(version 2\)/)
    const same = plan({ schemas: { 's-value': { schemaType: 'JSON', schema: `  ${v2}  ` } } }, current)
    expect(same[0]!.action).toBe('unchanged')
    const modeOnly = plan({ schemas: { 's-value': { schemaType: 'JSON', schema: v2, compatibility: 'NONE' } } }, current)
    expect(modeOnly[0]).toMatchObject({ action: 'update', op: 'schema', changes: [{ field: 'compatibility', from: 'BACKWARD', to: 'NONE' }] })
  })

  it('gives only unchanged items when planned again against what the first plan creates', () => {
    const document = parseApplyDocument({
      topics: { a: { partitions: 2, config: { 'retention.ms': 1_000 } } },
      queues: { q: { tags: ['x'], deadLetter: { enabled: false } } },
    })
    const first = planApply(document, state(), { prune: false, rotateKeys: false })
    const created = first.map(({ step }) => {
      if (step?.op !== 'createTopic') throw new Error('expected creations')
      const { input } = step
      return topic(input.topic, {
        partitions: input.partitions ?? 1,
        config: { ...DEFAULT_TOPIC_CONFIG, 'retention.ms': Number(input.config?.['retention.ms'] ?? DEFAULT_TOPIC_CONFIG['retention.ms']) },
        queue: {
          ...DEFAULT_QUEUE_POLICY,
          ...input.queue,
          deadLetter: { ...DEFAULT_QUEUE_POLICY.deadLetter, ...input.queue?.deadLetter },
        } as TopicMetadata['queue'],
      })
    })
    expect(planApply(document, state({ topics: created }), { prune: true, rotateKeys: false }).map((p) => p.item.action)).toEqual([
      'unchanged',
      'unchanged',
    ])
  })

  it('counts webhooks against the tenant limit after what prune deletes, and matches them by name only', () => {
    const hook = (n: number, name: string | null = `h${n}`) => ({
      id: `wh_${String(n).padStart(16, '0')}`,
      name,
      url: `https://h.example.com/${n}`,
      events: ['health.recovered' as const],
      format: 'json' as const,
      description: null,
      createdAt: 0,
    })
    const current = state({ webhooks: [...Array.from({ length: 19 }, (_, n) => hook(n)), hook(19, null)] })
    const declared = (names: string[]) =>
      Object.fromEntries(
        names.map((name, n) => [name, { url: `https://h.example.com/${name === 'new' ? 'new' : n}`, events: ['health.recovered' as const] }]),
      )
    // 20 live: one more is refused, unless prune makes room.
    const full = plan({ webhooks: declared(['new']) }, current)
    expect(full.map((i) => [i.action, i.name, i.refusal?.code])).toEqual([['create', 'new', 'POLICY_VIOLATION']])
    const pruned = plan({ webhooks: declared(['h0', 'new']) }, current, { prune: true, rotateKeys: false })
    expect(pruned.filter((i) => i.action === 'delete')).toHaveLength(19)
    expect(pruned.filter((i) => i.action !== 'delete').map((i) => [i.action, i.name, i.op])).toEqual([
      ['unchanged', 'h0', undefined],
      ['create', 'new', 'createWebhook'],
    ])
    // Same origin, another path: the plan says the URL changes without showing either path.
    const moved = plan({ webhooks: { h1: { url: 'https://h.example.com/elsewhere', events: ['health.recovered'] } } }, current)
    expect(moved[0]!.changes).toEqual([{ field: 'url', from: 'https://h.example.com/…', to: 'https://h.example.com/… (another path)' }])
  })

  it('plans health thresholds only where declared: omitted keeps them, [] clears them', () => {
    const thresholds = [{ metric: 'records' as const, op: '>' as const, value: 1 }]
    const current = state({ topics: [topic('t', { health: thresholds })], groupThresholds: { g: [{ metric: 'lag', op: '>', value: 5 }] } })
    expect(plan({ topics: { t: {} }, groups: { g: {} } }, current).map((i) => i.action)).toEqual(['unchanged', 'unchanged'])
    const cleared = plan({ topics: { t: { health: { thresholds: [] } } }, groups: { g: { health: { thresholds: [] } } } }, current)
    expect(cleared.map((i) => [i.action, i.op, i.changes])).toEqual([
      ['update', 'updateTopic', [{ field: 'health', from: thresholds, to: [] }]],
      ['update', 'setGroupHealth', [{ field: 'health', from: [{ metric: 'lag', op: '>', value: 5 }], to: [] }]],
    ])
  })
})
