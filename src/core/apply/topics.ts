/**
 * Planning the declared topics and queues (a queue is a topic whose queue policy the document sets). The
 * same rules as creating or changing a topic by hand decide (`core/topic-rules.ts`), run here against a
 * simulation of the tenant's topics, so that an unknown config key, a lowered partition count or a quota
 * the plan would exceed is a refusal listed before anything is applied.
 *
 * Declarative means the document holds each topic's whole config: a key it leaves out is put back to its
 * default. The queue policy is managed only for queues; a partition count or health thresholds left out
 * keep the topic's.
 */
import { internalTopicRefusal } from '../internal-topics.js'
import type { ApplyChange, ApplyItem, CheckedApplyDocument, QueueSpec, TopicSpec } from '../../protocol/apply.js'
import type { ErrorPayload } from '../../protocol/errors.js'
import type { TopicHealthThreshold } from '../../protocol/monitoring.js'
import { DEFAULT_QUEUE_POLICY, mergeQueuePolicy, type QueuePolicy, type QueuePolicyUpdate } from '../../protocol/queues.js'
import type { TenantQuotas } from '../../protocol/tenants.js'
import { DEFAULT_TOPIC_CONFIG, parseTopicConfig, type TopicConfig, type TopicConfigInput } from '../../protocol/topic-config.js'
import type { TopicMetadata } from '../../protocol/topics.js'
import { changedTopic, checkTopicQuotas, newTopic, tenantTopicDefaults } from '../topic-rules.js'
import type { PlannedItem } from './types.js'

const POLICY_FIELDS = ['retry', 'deadLetter', 'visibilityTimeoutMs', 'defaultTtlMs', 'tags'] as const satisfies ReadonlyArray<keyof QueuePolicy>

interface Declared {
  kind: 'topic' | 'queue'
  name: string
  partitions: number | undefined
  config: TopicConfigInput
  /** Only for queues: the policy fields the document sets. */
  policy: QueuePolicyUpdate | undefined
  /** The declared health thresholds, when the document declares them. */
  health: TopicHealthThreshold[] | undefined
}

/**
 * Plans every declared topic and queue in document order. `remaining` is the tenant's topics once the
 * plan's deletions are done; each planned creation or change is checked against the quotas in turn, as
 * executing the plan in that order would be.
 */
export function planTopics(
  document: CheckedApplyDocument,
  existing: readonly TopicMetadata[],
  remaining: TopicMetadata[],
  quotas: TenantQuotas,
): PlannedItem[] {
  const declared: Declared[] = [
    ...Object.entries(document.topics ?? {}).map(([name, spec]) => fromTopic(name, spec)),
    ...Object.entries(document.queues ?? {}).map(([name, spec]) => fromQueue(name, spec)),
  ]
  const simulated = [...remaining]
  return declared.map((entry) => {
    const current = existing.find((topic) => topic.topic === entry.name)
    const planned = current ? planChange(entry, current, quotas, simulated) : planCreate(entry, quotas, simulated)
    if (planned.after && planned.step) {
      const index = simulated.findIndex((topic) => topic.topic === entry.name)
      if (index >= 0) simulated[index] = planned.after
      else simulated.push(planned.after)
    }
    return planned.step ? { item: planned.item, step: planned.step } : { item: planned.item }
  })
}

function fromTopic(name: string, spec: TopicSpec): Declared {
  return { kind: 'topic', name, partitions: spec.partitions, config: spec.config ?? {}, policy: undefined, health: spec.health?.thresholds }
}

function fromQueue(name: string, spec: QueueSpec): Declared {
  const { partitions, retentionMs, config, health, ...policy } = spec
  const input = { ...(config ?? {}), ...(retentionMs !== undefined ? { 'retention.ms': retentionMs } : {}) }
  const fields = Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined)) as QueuePolicyUpdate
  return { kind: 'queue', name, partitions, config: input, policy: fields, health: health?.thresholds }
}

type Planned = { item: ApplyItem; step?: PlannedItem['step']; after?: TopicMetadata }

function refused(item: ApplyItem, refusal: ErrorPayload): Planned {
  return { item: { ...item, refusal } }
}

function planCreate(entry: Declared, quotas: TenantQuotas, simulated: TopicMetadata[]): Planned {
  const input = {
    topic: entry.name,
    ...(entry.partitions !== undefined ? { partitions: entry.partitions } : {}),
    config: entry.config,
    ...(entry.policy ? { queue: entry.policy } : {}),
    ...(entry.health ? { health: entry.health } : {}),
  }
  const created = newTopic(input, tenantTopicDefaults(entry.name, quotas))
  const changes: ApplyChange[] = [
    { field: 'partitions', to: created.ok ? created.value.partitions : (entry.partitions ?? 1) },
    ...Object.keys(entry.config).map((key) => ({
      field: `config.${key}`,
      to: created.ok ? renderConfigValue(created.value.config, key, entry.config) : String(entry.config[key]),
    })),
    ...Object.entries(entry.policy ?? {}).map(([field, value]) => ({ field, to: value })),
    ...(entry.health && entry.health.length > 0 ? [{ field: 'health', to: entry.health }] : []),
  ]
  const item: ApplyItem = { kind: entry.kind, name: entry.name, action: 'create', changes }
  const reserved = internalTopicRefusal('topic:create', entry.name)
  if (reserved) return refused(item, reserved)
  if (!created.ok) return refused(item, created.error)
  const quota = checkTopicQuotas(quotas, simulated, created.value, undefined)
  if (!quota.ok) return refused(item, quota.error)
  return { item, step: { op: 'createTopic', input, queue: entry.kind === 'queue' }, after: created.value }
}

function planChange(entry: Declared, current: TopicMetadata, quotas: TenantQuotas, simulated: TopicMetadata[]): Planned {
  const base: ApplyItem = { kind: entry.kind, name: entry.name, action: 'update', changes: [] }
  const reserved = internalTopicRefusal('topic:create', entry.name)
  if (reserved) return refused(base, { ...reserved, message: `topic '${entry.name}' is internal: Kafdo manages it, a document cannot declare it` })
  const changes: ApplyChange[] = []
  if (entry.partitions !== undefined && entry.partitions !== current.partitions) {
    changes.push({ field: 'partitions', from: current.partitions, to: entry.partitions })
    if (entry.partitions < current.partitions) {
      return refused(
        { ...base, changes },
        {
          code: 'INVALID_PARTITIONS',
          message: `topic '${entry.name}' has ${current.partitions} partitions; the count can only grow (declare ${current.partitions} or more)`,
          details: { current: current.partitions, requested: entry.partitions },
        },
      )
    }
  }
  const defaults = tenantTopicDefaults(entry.name, quotas)
  const desired = parseTopicConfig(entry.config, defaults)
  if (!desired.ok) return refused(base, { code: 'INVALID_CONFIG', message: 'invalid topic config', details: { config: desired.errors } })
  const set: TopicConfigInput = {}
  const reset: string[] = []
  for (const key of Object.keys(DEFAULT_TOPIC_CONFIG) as Array<keyof TopicConfig>) {
    const [from, to] = [String(current.config[key]), String(desired.config[key])]
    if (from === to) continue
    changes.push({ field: `config.${key}`, from, to })
    if (Object.hasOwn(entry.config, key)) set[key] = entry.config[key]!
    else reset.push(key)
  }
  let queue: QueuePolicy | undefined
  if (entry.policy) {
    const policy = mergeQueuePolicy(DEFAULT_QUEUE_POLICY, entry.policy)
    for (const field of POLICY_FIELDS) {
      if (!sameJson(current.queue[field], policy[field])) changes.push({ field, from: current.queue[field], to: policy[field] })
    }
    if (POLICY_FIELDS.some((field) => !sameJson(current.queue[field], policy[field]))) queue = policy
  }
  const health = entry.health !== undefined && !sameJson(current.health ?? [], entry.health) ? entry.health : undefined
  if (health) changes.push({ field: 'health', ...((current.health ?? []).length > 0 ? { from: current.health } : {}), to: health })
  if (changes.length === 0) return { item: { ...base, action: 'unchanged' } }
  const input = {
    ...(entry.partitions !== undefined && entry.partitions !== current.partitions ? { partitions: entry.partitions } : {}),
    config: set,
    reset,
    ...(queue ? { queue } : {}),
    ...(health ? { health } : {}),
  }
  const item = { ...base, changes }
  const after = changedTopic(current, input, defaults)
  if (!after.ok) return refused(item, after.error)
  const quota = checkTopicQuotas(quotas, simulated, after.value, current)
  if (!quota.ok) return refused(item, quota.error)
  return { item, step: { op: 'updateTopic', topic: entry.name, input, queue: entry.kind === 'queue' }, after: after.value }
}

/** A declared key as the topic will hold it (`'delete,compact'` is `'compact,delete'`); ignored Kafka keys as given. */
function renderConfigValue(config: TopicConfig, key: string, declared: TopicConfigInput): string {
  return Object.hasOwn(config, key) ? String(config[key as keyof TopicConfig]) : String(declared[key])
}

/** Deep equality of JSON values, whatever the order of their keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b))
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}
