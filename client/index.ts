/**
 * `kafdo/client`: Kafdo over HTTP from any JavaScript runtime. Errors are the server's own `KafdoError`
 * (same class, same codes), rebuilt from each error response's `code`.
 */
export { KafdoClient, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, type KafdoClientConfig, type HealthStatus } from './kafdo-client.js'
export { KafdoProducer, type ProducerOptions, type ProducerRecord } from './producer.js'
export { KafdoConsumer, type ConsumerOptions, type JoinResult, type PartitionOffsetsResponse, type TopicPartitionOffset } from './consumer.js'
export { KafdoAdmin, type GroupDescription, type GroupListing } from './admin.js'
export type { FetchLike } from './http.js'
export { ERROR_CODES, KafdoError, isErrorCode } from '../src/protocol/index.js'
export type {
  CreateTopicRequest,
  ErrorBody,
  ErrorCode,
  ErrorPayload,
  FetchedRecord,
  FetchOptions,
  FetchResponse,
  JsonValue,
  PartitionOffsets,
  RecordHeaders,
  RecordMetadata,
  TopicDescription,
  TopicOffsets,
  TopicSummary,
} from '../src/protocol/index.js'
