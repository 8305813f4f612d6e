/**
 * Declarative configuration's service side: reads the tenant's current state for the planner
 * (`core/apply/`), and executes one planned step through the same services and registry calls the
 * hand-made routes use, so an applied change is exactly the change those routes would make.
 */
import type { ApplyStep, CurrentState } from '../core/apply/plan.js'
import { secretDigest } from '../core/monitoring/webhook-signature.js'
import type { Grant } from '../core/permissions.js'
import type { KafdoBindings } from '../env.js'
import type { ApplyItem, CheckedApplyDocument } from '../protocol/apply.js'
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.js'
import {
  allGroupHealthThresholds,
  createWebhook,
  deleteWebhook,
  listWebhooks,
  setGroupHealthPolicy,
  updateWebhook,
  watchHealth,
  webhookSecretDigests,
} from './monitoring/alerts.js'
import { setQuotas } from './quotas.js'
import { forgetSchema } from './schemas.js'
import { attempt, call, metadataStub } from './stubs.js'
import { createTopic, deleteTopic, updateTopic } from './topics.js'

/**
 * What the planner compares the document with: read fresh, not from the isolate's caches. Webhooks and
 * group thresholds are read only for a document that has their section (they need the TENANT_MONITOR
 * binding: without it such a document is refused with 503 before anything changes).
 */
export async function readCurrentState(env: KafdoBindings, tenant: string, document: CheckedApplyDocument): Promise<CurrentState> {
  const cluster = metadataStub(env, tenant)
  const declaredSubjects = Object.keys(document.schemas ?? {})
  const declaredSecrets = Object.entries(document.webhooks ?? {}).flatMap(([name, spec]) => (spec.secret !== undefined ? [[name, spec.secret]] : []))
  const [topics, quotas, apiKeys, webhooks, webhookDigests, declaredDigests, groupThresholds, subjects, subjectStates] = await Promise.all([
    attempt(() => cluster.listTopics(tenant)),
    attempt(() => cluster.quotas(tenant)),
    document.apiKeys !== undefined ? listApiKeys(env, tenant) : Promise.resolve([]),
    document.webhooks !== undefined ? listWebhooks(env, tenant) : Promise.resolve([]),
    declaredSecrets.length > 0 ? webhookSecretDigests(env, tenant) : Promise.resolve({}),
    Promise.all(declaredSecrets.map(async ([name, secret]) => [name, await secretDigest(secret!)] as const)),
    document.groups !== undefined ? allGroupHealthThresholds(env, tenant) : Promise.resolve({}),
    document.schemas !== undefined ? attempt(() => cluster.subjects(tenant)) : Promise.resolve([]),
    Promise.all(
      declaredSubjects.map(async (subject) => {
        const [versions, compatibility] = await Promise.all([
          attempt(() => cluster.schemaHistory(tenant, subject)),
          attempt(() => cluster.compatibility(tenant, subject)),
        ])
        return [subject, { versions, compatibility }] as const
      }),
    ),
  ])
  return {
    topics,
    quotas,
    apiKeys,
    webhooks,
    webhookSecretDigests: webhookDigests,
    declaredSecretDigests: Object.fromEntries(declaredDigests),
    groupThresholds,
    subjects,
    subjectStates: Object.fromEntries(subjectStates),
    now: Date.now(),
  }
}

export interface StepContext {
  /** Who applies: an API key the plan creates never gets more than they hold. */
  creator: { subject: string; grants: readonly Grant[] }
  roles: Record<string, string[]>
}

export interface StepOutcome {
  /** A created API key, or a created webhook's secret Kafdo made: shown once. */
  secret?: ApplyItem['secret']
  /** What the audit trail records for it, as the hand-made route would. */
  audit: Array<{ action: string; target: string; details?: Record<string, unknown> }>
  /** The step was only partly done (a rotated key was created but the old one not revoked): why. */
  failure?: unknown
}

export async function executeStep(env: KafdoBindings, tenant: string, step: ApplyStep, context: StepContext): Promise<StepOutcome> {
  switch (step.op) {
    case 'setQuotas': {
      const quotas = await setQuotas(env, tenant, step.quotas)
      return { audit: [{ action: 'quotas:set', target: tenant, details: quotas }] }
    }
    case 'createTopic': {
      const topic = await createTopic(env, tenant, step.input)
      // As POST /queues does: thresholds set, the tenant's monitor evaluates them periodically.
      if ((step.input.health ?? []).length > 0) await watchHealth(env, tenant)
      const action = step.queue ? 'queue:create' : 'topic:create'
      return { audit: [{ action, target: topic.topic, details: { partitions: topic.partitions, config: step.input.config ?? {} } }] }
    }
    case 'updateTopic': {
      await updateTopic(env, tenant, step.topic, step.input, false)
      const { config, reset, partitions, queue } = step.input
      return {
        audit: [
          {
            action: step.queue ? 'queue:config' : 'topic:config',
            target: step.topic,
            details: { set: config ?? {}, delete: reset ?? [], ...(partitions !== undefined ? { partitions } : {}), ...(queue ? { queue } : {}) },
          },
        ],
      }
    }
    case 'deleteTopic':
      await deleteTopic(env, tenant, step.topic)
      return { audit: [{ action: 'topic:delete', target: step.topic }] }
    case 'schema': {
      const audit: StepOutcome['audit'] = []
      if (step.compatibility !== undefined) {
        const mode = step.compatibility
        await attempt(() => metadataStub(env, tenant).setCompatibility(tenant, step.subject, mode))
        audit.push({ action: 'schema:config', target: step.subject, details: { compatibility: mode } })
      }
      if (step.register !== undefined) {
        const { schemaType, schema } = step.register
        const registered = await call(() => metadataStub(env, tenant).registerSchema(tenant, step.subject, schemaType, schema))
        forgetSchema(tenant, step.subject)
        audit.push({ action: 'schema:register', target: step.subject, details: { id: registered.id, version: registered.version, schemaType } })
      }
      return { audit }
    }
    case 'deleteSubject': {
      const versions = await call(() => metadataStub(env, tenant).deleteSubject(tenant, step.subject))
      forgetSchema(tenant, step.subject)
      return { audit: [{ action: 'schema:delete', target: step.subject, details: { versions } }] }
    }
    case 'createApiKey': {
      // Created before the old key is revoked, so the name never has no working key.
      const request = { name: step.name, permissions: step.permissions, expiresInSeconds: step.expiresInSeconds }
      const key = await createApiKey(env, tenant, context.creator, request, context.roles)
      const outcome: StepOutcome = {
        secret: { keyId: key.keyId, key: key.key },
        audit: [{ action: 'apikey:create', target: key.keyId, details: { name: key.name, permissions: key.permissions } }],
      }
      try {
        for (const keyId of step.revoke) {
          await revokeApiKey(env, tenant, keyId)
          outcome.audit.push({ action: 'apikey:revoke', target: keyId })
        }
      } catch (err) {
        // The new key exists and its secret must still reach the caller: the failure is reported beside it.
        outcome.failure = err
      }
      return outcome
    }
    case 'revokeApiKey':
      await revokeApiKey(env, tenant, step.keyId)
      return { audit: [{ action: 'apikey:revoke', target: step.keyId }] }
    case 'createWebhook': {
      const created = await createWebhook(env, tenant, step.request)
      // The URL may carry a token of the receiver's: the audit trail keeps its origin only (as POST /admin/webhooks).
      const details = { name: created.name, origin: new URL(created.url).origin, events: created.events, format: created.format }
      return {
        // A secret the document declared is the caller's already: only one Kafdo made is answered.
        ...(step.request.secret === undefined ? { secret: { webhookId: created.id, secret: created.secret } } : {}),
        audit: [{ action: 'webhook:create', target: created.id, details }],
      }
    }
    case 'updateWebhook': {
      const updated = await updateWebhook(env, tenant, step.id, step.update)
      const fields = Object.keys(step.update).filter((key) => step.update[key as keyof typeof step.update] !== undefined)
      return { audit: [{ action: 'webhook:update', target: step.id, details: { name: updated.name, origin: new URL(updated.url).origin, fields } }] }
    }
    case 'deleteWebhook':
      await deleteWebhook(env, tenant, step.id)
      return { audit: [{ action: 'webhook:delete', target: step.id }] }
    case 'setGroupHealth': {
      const policy = await setGroupHealthPolicy(env, tenant, step.groupId, { thresholds: step.thresholds })
      return { audit: [{ action: 'group:health', target: step.groupId, details: policy }] }
    }
  }
}
