/**
 * Declarative configuration's service side: reads the tenant's current state for the planner
 * (`core/apply/`), and executes one planned step through the same services and registry calls the
 * hand-made routes use, so an applied change is exactly the change those routes would make.
 */
import type { ApplyStep, CurrentState } from '../core/apply/plan.js'
import type { Grant } from '../core/permissions.js'
import type { KafdoBindings } from '../env.js'
import type { CheckedApplyDocument } from '../protocol/apply.js'
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.js'
import { setQuotas } from './quotas.js'
import { forgetSchema } from './schemas.js'
import { attempt, call, metadataStub } from './stubs.js'
import { createTopic, deleteTopic, updateTopic } from './topics.js'

/** What the planner compares the document with: read fresh, not from the isolate's caches. */
export async function readCurrentState(env: KafdoBindings, tenant: string, document: CheckedApplyDocument): Promise<CurrentState> {
  const cluster = metadataStub(env, tenant)
  const declaredSubjects = Object.keys(document.schemas ?? {})
  const [topics, quotas, apiKeys, subjects, subjectStates] = await Promise.all([
    attempt(() => cluster.listTopics(tenant)),
    attempt(() => cluster.quotas(tenant)),
    document.apiKeys !== undefined ? listApiKeys(env, tenant) : Promise.resolve([]),
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
  return { topics, quotas, apiKeys, subjects, subjectStates: Object.fromEntries(subjectStates), now: Date.now() }
}

export interface StepContext {
  /** Who applies: an API key the plan creates never gets more than they hold. */
  creator: { subject: string; grants: readonly Grant[] }
  roles: Record<string, string[]>
}

export interface StepOutcome {
  /** A created API key, shown once. */
  secret?: { keyId: string; key: string }
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
  }
}
