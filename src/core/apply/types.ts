/**
 * What the declarative planner reads and writes: the tenant's current state as the services read it, and
 * the plan, each item with the one step that makes it so. Steps name service calls, so the service that
 * executes a plan does no planning of its own.
 */
import type { ApplyItem } from '../../protocol/apply.js'
import type { ErrorPayload } from '../../protocol/errors.js'
import type { CreateTopicInput, UpdateTopicInput } from '../../protocol/metadata-rpc.js'
import type { CreateWebhookRequest, GroupHealthThreshold, WebhookDescription, WebhookUpdate } from '../../protocol/monitoring.js'
import type { CompatibilityMode, SchemaType, SchemaVersion } from '../../protocol/schemas.js'
import type { ApiKeyDescription, TenantQuotas } from '../../protocol/tenants.js'
import type { TopicMetadata } from '../../protocol/topics.js'

export interface SubjectState {
  /** Live versions, oldest first. */
  versions: SchemaVersion[]
  /** The subject's effective compatibility mode (its own, else the tenant's, else BACKWARD). */
  compatibility: CompatibilityMode
}

export interface CurrentState {
  /** Every topic of the tenant, internal and dead-letter topics included (quotas count them). */
  topics: TopicMetadata[]
  /** Every subject name of the tenant. */
  subjects: string[]
  /** The declared subjects' versions and modes; a subject missing here has no versions. */
  subjectStates: Record<string, SubjectState>
  quotas: TenantQuotas
  apiKeys: ApiKeyDescription[]
  /** The tenant's alert webhooks (read only when the document has a `webhooks` section). */
  webhooks: WebhookDescription[]
  /** SHA-256 of each webhook's secret, by webhook id: the secrets themselves never reach the planner. */
  webhookSecretDigests: Record<string, string>
  /** SHA-256 of each secret the document declares, by webhook name. */
  declaredSecretDigests: Record<string, string>
  /** Every group with health thresholds (read only when the document has a `groups` section). */
  groupThresholds: Record<string, GroupHealthThreshold[]>
  now: number
}

export type PrunableKind = 'topic' | 'schema' | 'apiKey' | 'webhook' | 'group'

export interface PlanOptions {
  prune: boolean
  rotateKeys: boolean
  /** Whether the caller may see (and so prune) this topic, subject, key, webhook or group; everything when absent. */
  mayPrune?: (kind: PrunableKind, name: string) => boolean
  /** The API key making the request: never pruned, so an apply cannot lock its caller out halfway. */
  callerKeyId?: string
  /** Why an API key could not hold these permissions (unknown, or more than the caller holds), if it could not. */
  keyPermissionProblem?: (permissions: string[]) => ErrorPayload | undefined
}

export type ApplyStep =
  | { op: 'setQuotas'; quotas: TenantQuotas }
  | { op: 'createTopic'; input: CreateTopicInput; queue: boolean }
  | { op: 'updateTopic'; topic: string; input: UpdateTopicInput; queue: boolean }
  | { op: 'deleteTopic'; topic: string }
  | { op: 'schema'; subject: string; compatibility?: CompatibilityMode; register?: { schemaType: SchemaType; schema: string } }
  | { op: 'deleteSubject'; subject: string }
  | { op: 'createApiKey'; name: string; permissions: string[]; expiresInSeconds?: number; revoke: string[] }
  | { op: 'revokeApiKey'; keyId: string }
  | { op: 'createWebhook'; request: CreateWebhookRequest }
  | { op: 'updateWebhook'; id: string; update: WebhookUpdate }
  | { op: 'deleteWebhook'; id: string }
  | { op: 'setGroupHealth'; groupId: string; thresholds: GroupHealthThreshold[] }

/** An item of the plan; `step` is absent when nothing is to be done or the item is refused. */
export interface PlannedItem {
  item: ApplyItem
  step?: ApplyStep
}
