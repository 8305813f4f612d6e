/**
 * The HTTP admin (`client.admin()`): topics, partitions, offsets and consumer groups on `/admin/...`,
 * metrics and health (`/metrics`, `/health/...`) and alert webhooks,
 * with the method names of the Kafdo README (and kafkajs's `createPartitions` as an alias).
 */
import {
  alterTopicConfigRequestSchema,
  check,
  createWebhookRequestSchema,
  groupHealthPolicySchema,
  type CreatedWebhook,
  type CreateWebhookRequest,
  type GroupHealthPolicy,
  type HealthReport,
  type HealthTarget,
  type WebhookDelivery,
  type WebhookDescription,
  createApiKeyRequestSchema,
  deleteRecordsRequestSchema,
  parseApplyDocument,
  quotasSchema,
  type ApiKeyDescription,
  type ApplyDocument,
  type ApplyOptions,
  type ApplyResult,
  type CreateApiKeyRequest,
  type CreatedApiKey,
  type TenantQuotas,
  type AlterTopicConfigOptions,
  type AlterTopicConfigRequest,
  type AlterTopicConfigResult,
  type CommittedOffsetDescription,
  type CreateTopicRequest,
  type DeleteRecordsRequest,
  type DeleteRecordsResult,
  type GroupDescription,
  type GroupListing,
  type PartitionOffsets,
  type ResetOffsetsRequest,
  type TopicDescription,
  type TopicOffsets,
  type TopicSummary,
} from '../src/protocol/index.js'
import type { HttpCore } from './http.js'

export class KafdoAdmin {
  readonly #http: HttpCore

  constructor(http: HttpCore) {
    this.#http = http
  }

  /**
   * Creates a topic. Not retried: if a first attempt's answer were lost, a retry would be refused as
   * TOPIC_ALREADY_EXISTS and could not tell our own creation from someone else's.
   */
  createTopic(request: CreateTopicRequest, options: { dryRun?: boolean } = {}): Promise<TopicSummary> {
    return this.#http.request<TopicSummary>({
      method: 'POST',
      path: ['admin', 'topics'],
      query: options.dryRun ? { dryRun: 'true' } : {},
      body: request,
      // A dry run changes nothing, so repeating it is safe.
      idempotent: options.dryRun === true,
    })
  }

  /** Topic names, as kafkajs's `listTopics` returns them. */
  async listTopics(): Promise<string[]> {
    const { topics } = await this.#http.request<{ topics: TopicSummary[] }>({ method: 'GET', path: ['admin', 'topics'], idempotent: true })
    return topics.map((topic) => topic.topic)
  }

  /** The topics with their partition counts and config, in one request. */
  async listTopicSummaries(): Promise<TopicSummary[]> {
    const { topics } = await this.#http.request<{ topics: TopicSummary[] }>({ method: 'GET', path: ['admin', 'topics'], idempotent: true })
    return topics
  }

  describeTopic(topic: string): Promise<TopicDescription> {
    return this.#http.request<TopicDescription>({ method: 'GET', path: ['admin', 'topics', topic], idempotent: true })
  }

  /** Raises the topic's partition count to `count`: the new total, as in Kafka's CreatePartitions. */
  addPartitions(topic: string, count: number, options: { dryRun?: boolean } = {}): Promise<TopicSummary> {
    return this.#http.request<TopicSummary>({
      method: 'POST',
      path: ['admin', 'topics', topic, 'partitions'],
      query: options.dryRun ? { dryRun: 'true' } : {},
      body: { count },
      idempotent: options.dryRun === true,
    })
  }

  /** kafkajs's and the in-Worker admin's name for `addPartitions`. */
  createPartitions(topic: string, count: number, options: { dryRun?: boolean } = {}): Promise<TopicSummary> {
    return this.addPartitions(topic, count, options)
  }

  /**
   * Kafka's DeleteRecords: deletes each partition's records before `offset` (`'latest'`: every record
   * written so far). Answers each partition's offsets afterwards. Retried like a delete: moving a log
   * start twice to the same offset moves it once.
   */
  async deleteRecords(topic: string, partitions: DeleteRecordsRequest['partitions']): Promise<DeleteRecordsResult> {
    const body = check(deleteRecordsRequestSchema, { partitions })
    return this.#http.request<DeleteRecordsResult>({ method: 'POST', path: ['admin', 'topics', topic, 'delete-records'], body, idempotent: true })
  }

  /**
   * Kafka's incrementalAlterConfigs for one topic: `set` gives keys new values, `delete` puts keys back to
   * their defaults; the change reaches every partition before this resolves. With `dryRun`, the server
   * checks it (keys, values, tenant quotas) and changes nothing. Answers the config before and after.
   */
  async alterTopicConfig(topic: string, change: AlterTopicConfigRequest, options: AlterTopicConfigOptions = {}): Promise<AlterTopicConfigResult> {
    check(alterTopicConfigRequestSchema, change)
    return this.#http.request<AlterTopicConfigResult>({
      method: 'PATCH',
      path: ['admin', 'topics', topic, 'config'],
      query: options.dryRun ? { dryRun: 'true' } : {},
      body: change,
      // SET assigns and DELETE resets: applying the change twice is applying it once.
      idempotent: true,
    })
  }

  /** Deletes a topic and its records. */
  async deleteTopic(topic: string): Promise<void> {
    await this.#http.request<unknown>({
      method: 'DELETE',
      path: ['admin', 'topics', topic],
      idempotent: true,
      // A retry that finds the topic gone means the attempt whose answer was lost deleted it.
      doneIf: (error) => error.code === 'UNKNOWN_TOPIC_OR_PARTITION',
    })
  }

  /** Earliest and latest offset of each partition, keyed by partition number. */
  async listOffsets(topic: string): Promise<Map<number, Omit<PartitionOffsets, 'partition'>>> {
    const offsets = await this.#http.request<TopicOffsets>({ method: 'GET', path: ['admin', 'topics', topic, 'offsets'], idempotent: true })
    return new Map(offsets.partitions.map(({ partition, earliest, latest }) => [partition, { earliest, latest }]))
  }

  async listGroups(): Promise<GroupListing[]> {
    const { groups } = await this.#http.request<{ groups: GroupListing[] }>({ method: 'GET', path: ['admin', 'groups'], idempotent: true })
    return groups
  }

  /** State, members with their assignments, committed offsets and lag; an unknown group is `Dead`, as in Kafka. */
  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.#http.request<GroupDescription>({ method: 'GET', path: ['admin', 'groups', groupId], idempotent: true })
  }

  /**
   * Sets a group's committed offsets for one topic: to its earliest or latest offsets, to the first offset
   * at or after a timestamp, or to given offsets (Kafka's `kafka-consumer-groups --reset-offsets`). The
   * group must have no members (NON_EMPTY_GROUP otherwise). Returns all the group's committed offsets.
   */
  resetOffsets(groupId: string, request: ResetOffsetsRequest): Promise<{ groupId: string; offsets: CommittedOffsetDescription[] }> {
    return this.#http.request({
      method: 'POST',
      path: ['admin', 'groups', groupId, 'reset-offsets'],
      body: request,
      // Setting offsets again sets them to the same place (to 'latest': the latest at the retry).
      idempotent: true,
    })
  }

  /** Deletes a group and its committed offsets; refused (NON_EMPTY_GROUP) while it has members. */
  async deleteGroup(groupId: string): Promise<void> {
    await this.#http.request<unknown>({
      method: 'DELETE',
      path: ['admin', 'groups', groupId],
      idempotent: true,
      doneIf: (error) => error.code === 'GROUP_ID_NOT_FOUND',
    })
  }

  /** The tenant's metrics in the Prometheus text format (`GET /metrics`). */
  async metrics(): Promise<string> {
    return this.#http.request<string>({ method: 'GET', path: ['metrics'], idempotent: true, responseType: 'text' })
  }

  /** A topic's, a queue's (for share group `group`) or a consumer group's health, checked against its thresholds. */
  async health(target: HealthTarget): Promise<HealthReport> {
    if ('topic' in target || 'queue' in target) {
      const path = 'topic' in target ? ['health', 'topics', target.topic] : ['health', 'queues', target.queue]
      return this.#http.request<HealthReport>({ method: 'GET', path, query: { group: target.group }, idempotent: true })
    }
    return this.#http.request<HealthReport>({ method: 'GET', path: ['health', 'groups', target.group], idempotent: true })
  }

  /** Subscribes a URL to alert events; the answer holds the signing secret, shown this once. Not retried (a retry would subscribe twice). */
  async createWebhook(request: CreateWebhookRequest): Promise<CreatedWebhook> {
    check(createWebhookRequestSchema, request)
    return this.#http.request<CreatedWebhook>({ method: 'POST', path: ['admin', 'webhooks'], body: request, idempotent: false })
  }

  async listWebhooks(): Promise<WebhookDescription[]> {
    const { webhooks } = await this.#http.request<{ webhooks: WebhookDescription[] }>({
      method: 'GET',
      path: ['admin', 'webhooks'],
      idempotent: true,
    })
    return webhooks
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.#http.request<unknown>({
      method: 'DELETE',
      path: ['admin', 'webhooks', id],
      idempotent: true,
      doneIf: (error) => error.code === 'NOT_FOUND',
    })
  }

  /** The subscription's delivery log, newest first: status, attempts, last error. */
  async webhookDeliveries(id: string, limit?: number): Promise<WebhookDelivery[]> {
    const { deliveries } = await this.#http.request<{ deliveries: WebhookDelivery[] }>({
      method: 'GET',
      path: ['admin', 'webhooks', id, 'deliveries'],
      query: { limit },
      idempotent: true,
    })
    return deliveries
  }

  /** Sends the subscription a `webhook.test` event. */
  async testWebhook(id: string): Promise<{ eventId: string }> {
    return this.#http.request<{ eventId: string }>({ method: 'POST', path: ['admin', 'webhooks', id, 'test'], idempotent: false })
  }

  /** Replaces a consumer group's health thresholds (`{ thresholds: [] }` clears them). */
  async setGroupHealth(groupId: string, policy: GroupHealthPolicy): Promise<GroupHealthPolicy> {
    check(groupHealthPolicySchema, policy)
    const { thresholds } = await this.#http.request<GroupHealthPolicy>({
      method: 'PUT',
      path: ['admin', 'groups', groupId, 'health'],
      body: policy,
      idempotent: true,
    })
    return { thresholds }
  }

  async groupHealthPolicy(groupId: string): Promise<GroupHealthPolicy> {
    const { thresholds } = await this.#http.request<GroupHealthPolicy>({
      method: 'GET',
      path: ['admin', 'groups', groupId, 'health'],
      idempotent: true,
    })
    return { thresholds }
  }
  /**
   * Creates an API key holding `permissions` (never more than the caller holds). The answer carries the
   * key itself, shown only this once. Not retried: a repeat would create a second key.
   */
  createApiKey(request: CreateApiKeyRequest): Promise<CreatedApiKey> {
    check(createApiKeyRequestSchema, request)
    return this.#http.request<CreatedApiKey>({ method: 'POST', path: ['admin', 'api-keys'], body: request, idempotent: false })
  }

  /** The tenant's API keys (never their secrets), revoked and expired ones included. */
  async listApiKeys(): Promise<ApiKeyDescription[]> {
    const { keys } = await this.#http.request<{ keys: ApiKeyDescription[] }>({ method: 'GET', path: ['admin', 'api-keys'], idempotent: true })
    return keys
  }

  /** Revokes a key: within 30 s no request authenticates with it. */
  async revokeApiKey(keyId: string): Promise<void> {
    await this.#http.request<unknown>({ method: 'DELETE', path: ['admin', 'api-keys', keyId], idempotent: true })
  }

  /** The tenant's quotas (only those set). */
  async getQuotas(): Promise<TenantQuotas> {
    const { quotas } = await this.#http.request<{ quotas: TenantQuotas }>({ method: 'GET', path: ['admin', 'quotas'], idempotent: true })
    return quotas
  }

  /** Replaces the tenant's quotas (platform admins only). */
  async setQuotas(quotas: TenantQuotas): Promise<TenantQuotas> {
    check(quotasSchema, quotas)
    const answer = await this.#http.request<{ quotas: TenantQuotas }>({ method: 'PUT', path: ['admin', 'quotas'], body: quotas, idempotent: true })
    return answer.quotas
  }

  /**
   * Declarative configuration (`POST /admin/apply`): makes the tenant's topics, queues, schemas, quotas
   * and API keys what `document` declares, or with `dryRun` answers the plan and changes nothing. A plan
   * with refusals fails with FORBIDDEN or POLICY_VIOLATION, and an apply some of whose changes failed
   * with the first failure's code; in both cases the error's `details.result` is the ApplyResult. Only a
   * dry run is retried: an apply creates API keys whose secrets a lost answer would lose.
   */
  async apply(document: ApplyDocument, options: ApplyOptions = {}): Promise<ApplyResult> {
    parseApplyDocument(document)
    return this.#http.request<ApplyResult>({
      method: 'POST',
      path: ['admin', 'apply'],
      query: {
        dryRun: options.dryRun ? 'true' : undefined,
        prune: options.prune ? 'true' : undefined,
        rotateKeys: options.rotateKeys ? 'true' : undefined,
      },
      body: document,
      idempotent: options.dryRun === true,
    })
  }
}
