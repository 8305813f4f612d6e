/**
 * The declarative planner, as pure functions: a document (what the tenant should have) and the tenant's
 * current state in, the plan out, each item with its action (create, update, unchanged, delete), the
 * differences, the step that makes them, or the refusal that stops the apply before anything changes.
 * `POST /admin/apply` runs it and, unless it is a dry run, executes the steps in the plan's order: quotas
 * first (a raised quota lets the topics after it in), then deletions, then topics and queues, schemas,
 * API keys, alert webhooks and groups' health thresholds (`alerts.ts`).
 *
 * Planning twice against the state the first plan produced gives only `unchanged` items: that is what
 * makes applying the same document twice change nothing the second time.
 */
import { admitSchema, findSchema } from '../schemas/registration.js'
import type { ApplyChange, ApplyItem, CheckedApplyDocument } from '../../protocol/apply.js'
import { DLQ_SUFFIX } from '../../protocol/queues.js'
import { DEFAULT_COMPATIBILITY, type SchemaType } from '../../protocol/schemas.js'
import type { ApiKeyDescription, TenantQuotas } from '../../protocol/tenants.js'
import { isInternalTopic } from '../../protocol/topics.js'
import { planGroups, planWebhooks, pruneGroups, pruneWebhooks } from './alerts.js'
import { planTopics, sameJson } from './topics.js'
import type { CurrentState, PlannedItem, PlanOptions } from './types.js'

export type { ApplyStep, CurrentState, PlannedItem, PlanOptions, PrunableKind, SubjectState } from './types.js'

export function planApply(document: CheckedApplyDocument, current: CurrentState, options: PlanOptions): PlannedItem[] {
  const quotas = document.quotas ?? current.quotas
  const deletions = options.prune ? planPrune(document, current, options) : []
  const deleted = new Set(deletions.filter((p) => p.step?.op === 'deleteTopic').map((p) => p.item.name))
  const remaining = current.topics.filter((topic) => !deleted.has(topic.topic))
  const prunedWebhooks = deletions.filter((p) => p.step?.op === 'deleteWebhook').length
  return [
    ...planQuotas(document.quotas, current.quotas),
    ...deletions,
    ...planTopics(document, current.topics, remaining, quotas),
    ...planSchemas(document, current),
    ...planApiKeys(document, current, options),
    ...planWebhooks(document, current, prunedWebhooks),
    ...planGroups(document, current),
  ]
}

function planQuotas(desired: TenantQuotas | undefined, current: TenantQuotas): PlannedItem[] {
  if (desired === undefined) return []
  const keys = [...new Set([...Object.keys(current), ...Object.keys(desired)])] as Array<keyof TenantQuotas>
  const changes: ApplyChange[] = keys
    .filter((key) => current[key] !== desired[key])
    .map((key) => ({
      field: key,
      ...(current[key] !== undefined ? { from: current[key] } : {}),
      ...(desired[key] !== undefined ? { to: desired[key] } : {}),
    }))
  const item: ApplyItem = { kind: 'quotas', name: 'quotas', action: changes.length > 0 ? 'update' : 'unchanged', changes }
  return [changes.length > 0 ? { item, step: { op: 'setQuotas', quotas: desired } } : { item }]
}

/**
 * What `--prune` deletes: in each section the document has, what it does not list. Never internal topics
 * (`__audit`), never the dead-letter topic of a declared topic or queue, never what the caller cannot see,
 * never the API key making the request. A group's thresholds are cleared, never the group.
 */
function planPrune(document: CheckedApplyDocument, current: CurrentState, options: PlanOptions): PlannedItem[] {
  const mayPrune = options.mayPrune ?? (() => true)
  const planned: PlannedItem[] = []
  if (document.topics !== undefined || document.queues !== undefined) {
    const declared = new Set([...Object.keys(document.topics ?? {}), ...Object.keys(document.queues ?? {})])
    for (const topic of current.topics) {
      const name = topic.topic
      if (isInternalTopic(name) || declared.has(name) || !mayPrune('topic', name)) continue
      if (name.endsWith(DLQ_SUFFIX) && declared.has(name.slice(0, -DLQ_SUFFIX.length))) continue
      planned.push({
        item: { kind: 'topic', name, action: 'delete', changes: [{ field: 'partitions', from: topic.partitions }] },
        step: { op: 'deleteTopic', topic: name },
      })
    }
  }
  if (document.schemas !== undefined) {
    for (const subject of current.subjects) {
      if (Object.hasOwn(document.schemas, subject) || !mayPrune('schema', subject)) continue
      planned.push({ item: { kind: 'schema', name: subject, action: 'delete', changes: [] }, step: { op: 'deleteSubject', subject } })
    }
  }
  if (document.apiKeys !== undefined) {
    for (const key of liveKeys(current.apiKeys, current.now)) {
      if (Object.hasOwn(document.apiKeys, key.name) || key.keyId === options.callerKeyId || !mayPrune('apiKey', key.name)) continue
      planned.push({
        item: { kind: 'apiKey', name: key.name, action: 'delete', changes: [{ field: 'keyId', from: key.keyId }] },
        step: { op: 'revokeApiKey', keyId: key.keyId },
      })
    }
  }
  return [...planned, ...pruneWebhooks(document, current, options), ...pruneGroups(document, current, options)]
}

/**
 * A subject is as declared when its latest version is the declared schema (compared as the registry
 * does, ignoring formatting and key order) and its compatibility mode is the declared one. A schema that
 * is an older version is refused: registering it again would not make it the latest.
 */
function planSchemas(document: CheckedApplyDocument, current: CurrentState): PlannedItem[] {
  return Object.entries(document.schemas ?? {}).map(([subject, spec]) => {
    const schemaType: SchemaType = spec.schemaType ?? 'AVRO'
    const schema = typeof spec.schema === 'string' ? spec.schema : JSON.stringify(spec.schema)
    const state = current.subjectStates[subject] ?? { versions: [], compatibility: DEFAULT_COMPATIBILITY }
    const mode = spec.compatibility ?? state.compatibility
    const latest = state.versions.at(-1)
    const changes: ApplyChange[] = []
    const item: ApplyItem = { kind: 'schema', name: subject, action: latest ? 'update' : 'create', changes }
    if (spec.compatibility !== undefined && spec.compatibility !== state.compatibility) {
      changes.push({ field: 'compatibility', from: state.compatibility, to: spec.compatibility })
    }
    let register: { schemaType: SchemaType; schema: string } | undefined
    if (!latest || !findSchema([latest], schemaType, schema)) {
      const older = findSchema(state.versions, schemaType, schema)
      if (older && latest) {
        return {
          item: {
            ...item,
            refusal: {
              code: 'POLICY_VIOLATION',
              message: `the schema is version ${older.version} of '${subject}', not its latest (version ${latest.version}); registering it again would not make it the latest: delete the later versions first`,
              details: { subject, version: older.version, latest: latest.version },
            },
          },
        }
      }
      const admitted = admitSchema(subject, state.versions, schemaType, schema, mode)
      if (!admitted.ok) return { item: { ...item, refusal: admitted.error } }
      changes.push({
        field: 'schema',
        ...(latest ? { from: `version ${latest.version} (id ${latest.id})` } : {}),
        to: latest ? 'a new version' : `${schemaType} schema`,
      })
      register = { schemaType, schema }
    }
    if (changes.length === 0) return { item: { ...item, action: 'unchanged' } }
    const mode_ = changes.some((c) => c.field === 'compatibility') ? { compatibility: mode } : {}
    return { item, step: { op: 'schema', subject, ...mode_, ...(register ? { register } : {}) } }
  })
}

/**
 * API keys by name: a declared name with no live key is created (its secret is in the answer, once); a
 * live key with other permissions is refused, since a key's permissions never change, unless
 * `rotateKeys`, which revokes it (and any other live key of that name) and creates a new one.
 */
function planApiKeys(document: CheckedApplyDocument, current: CurrentState, options: PlanOptions): PlannedItem[] {
  const live = liveKeys(current.apiKeys, current.now)
  return Object.entries(document.apiKeys ?? {}).map(([name, spec]) => {
    const named = live.filter((key) => key.name === name).sort((a, b) => b.createdAt - a.createdAt)
    const create = {
      op: 'createApiKey' as const,
      name,
      permissions: spec.permissions,
      ...(spec.expiresInSeconds !== undefined ? { expiresInSeconds: spec.expiresInSeconds } : {}),
      revoke: named.map((key) => key.keyId),
    }
    const newest = named[0]
    if (newest && sameJson([...newest.permissions].sort(), [...spec.permissions].sort())) {
      return { item: { kind: 'apiKey', name, action: 'unchanged', changes: [] } }
    }
    // A key is about to be created (new, or rotated): its permissions must be ones the caller may hand out.
    const problem = newest && !options.rotateKeys ? undefined : options.keyPermissionProblem?.(spec.permissions)
    const changes = [{ field: 'permissions', ...(newest ? { from: newest.permissions } : {}), to: spec.permissions }]
    if (problem) return { item: { kind: 'apiKey', name, action: newest ? 'update' : 'create', changes, refusal: problem } }
    if (!newest) return { item: { kind: 'apiKey', name, action: 'create', changes }, step: create }
    const item: ApplyItem = { kind: 'apiKey', name, action: 'update', changes }
    if (options.rotateKeys)
      return { item: { ...item, note: `rotated: key ${named.map((k) => k.keyId).join(', ')} is revoked and a new key created` }, step: create }
    return {
      item: {
        ...item,
        refusal: {
          code: 'POLICY_VIOLATION',
          message: `API key '${name}' (${newest.keyId}) holds other permissions, and a key's permissions never change: rotate it (kafdo apply --rotate-keys, or ?rotateKeys=true) to revoke it and create a new key`,
          details: { keyId: newest.keyId },
        },
      },
    }
  })
}

/** Keys that still authenticate: not revoked, not expired. */
function liveKeys(keys: readonly ApiKeyDescription[], now: number): ApiKeyDescription[] {
  return keys.filter((key) => key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now))
}
