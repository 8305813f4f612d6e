/**
 * `kafdo/client`: Kafdo over HTTP from any JavaScript runtime. Errors are the server's own `KafdoError`
 * (same class, same codes), rebuilt from each error response's `code`.
 */
export { KafdoClient, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, type KafdoClientConfig, type HealthStatus } from './kafdo-client.js'
export { KafdoProducer, type ProducerOptions, type ProducerRecord } from './producer.js'
export {
  KafdoConsumer,
  type ConsumerOptions,
  type ConsumerRecord,
  type JoinResult,
  type PartitionOffsetsResponse,
  type PollOptions,
  type RebalanceListener,
  type TopicPartitionOffset,
} from './consumer.js'
export { KafdoAdmin } from './admin.js'
export { KafdoSchemaRegistry, type CompatibilityCheck, type SchemaOptions } from './registry.js'
export type { TailOptions, TailRecord } from './tail.js'
export {
  KafdoQueues,
  type CreatedQueue,
  type DryRunOption,
  type ListQueuesOptions,
  type QueueDescription,
  type QueueDetails,
  type QueueMessageInput,
  type QueueReadOptions,
  type QueueRecord,
  type QueueUpdateResult,
  type RedriveRequest,
  type SeekRequest,
} from './queues.js'
export { KafdoQueueConsumer, RECEIVE_GRACE_MS, type Lease, type NackResult, type QueueConsumerOptions } from './queue-consumer.js'
export { DEFAULT_QUEUE_POLICY, DEFAULT_SHARE_GROUP, DLQ_HEADERS, DLQ_SUFFIX } from '../src/protocol/queues.js'
export type { CreateQueueRequest, QueueMessage, QueuePolicy, QueueStats, RetryPolicy, UpdateQueueRequest } from '../src/protocol/queues.js'
export type { FetchLike } from './http.js'
export { APPLY_SECTIONS, ERROR_CODES, KafdoError, isErrorCode, parseApplyDocument } from '../src/protocol/index.js'
export type {
  AlterTopicConfigOptions,
  AssignmentStrategy,
  ApiKeyDescription,
  ApplyAction,
  ApplyChange,
  ApplyDocument,
  ApplyItem,
  ApplyKind,
  ApplyOptions,
  ApplyResult,
  ApplySummary,
  CompatibilityMode,
  CreateApiKeyRequest,
  CreatedApiKey,
  SchemaType,
  SchemaVersion,
  TenantQuotas,
  AlterTopicConfigRequest,
  AlterTopicConfigResult,
  CommittedOffsetDescription,
  CreateTopicRequest,
  DeleteRecordsRequest,
  DeleteRecordsResult,
  ErrorBody,
  ErrorCode,
  ErrorPayload,
  FetchedRecord,
  FetchOptions,
  FetchResponse,
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupState,
  HeartbeatResult,
  JoinGroupResult,
  MemberState,
  JsonValue,
  PartitionLag,
  PartitionOffsets,
  RecordHeaders,
  RecordMetadata,
  ResetOffsetsRequest,
  TopicDescription,
  TopicOffsets,
  TopicPartition,
  TopicPartitions,
  TopicSummary,
  CreatedWebhook,
  CreateWebhookRequest,
  GroupHealthPolicy,
  GroupHealthThreshold,
  HealthCheck,
  HealthReport,
  HealthTarget,
  ResourceHealthStatus,
  TopicHealthPolicy,
  TopicHealthThreshold,
  WebhookDelivery,
  WebhookDescription,
  WebhookEvent,
  WebhookEventType,
} from '../src/protocol/index.js'
export { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS, WEBHOOK_EVENT_TYPES } from '../src/protocol/monitoring.js'
export { verifySignature } from '../src/core/monitoring/webhook-signature.js'
