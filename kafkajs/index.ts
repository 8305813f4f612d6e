/// <reference types="node" />
/**
 * `kafdo/kafkajs`: kafkajs's API over Kafdo. Code written for kafkajs changes its import and the `Kafka`
 * constructor's `kafdo` option (a URL and token over HTTP from any JavaScript runtime, or a Worker's
 * `env`), and nothing else; docs/kafkajs.md lists what differs. The exports are kafkajs's (`index.js`
 * and `types/index.d.ts`), names and values, plus the types of the `kafdo` option.
 */
export { Kafka } from './kafka.js'
export { PartitionAssigners } from './consumer-args.js'
export { AssignerProtocol, type ISerializer, type MemberAssignment, type MemberMetadata } from './assigner-protocol.js'
export { Partitioners } from './partitioners.js'
export {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  CompressionCodecs,
  CompressionTypes,
  ConfigResourceTypes,
  ConfigSource,
  logLevel,
  ResourcePatternTypes,
} from './constants.js'
export {
  KafkaJSAggregateError,
  KafkaJSAlterPartitionReassignmentsError,
  KafkaJSBrokerNotFound,
  KafkaJSConnectionError,
  KafkaJSCreateTopicError,
  KafkaJSDeleteGroupsError,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSError,
  KafkaJSFetcherRebalanceError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSInvalidLongError,
  KafkaJSInvalidVarIntError,
  KafkaJSInvariantViolation,
  KafkaJSLockTimeout,
  KafkaJSMemberIdRequired,
  KafkaJSMetadataNotLoaded,
  KafkaJSNoBrokerAvailableError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSOffsetOutOfRange,
  KafkaJSPartialMessageError,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSStaleTopicMetadataAssignment,
  KafkaJSTimeout,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSUnsupportedMagicByteInMessageSet,
  type KafkaJSDeleteTopicRecordsErrorPartition,
  type KafkaJSErrorMetadata,
} from './errors.js'
export type * from './types/common.js'
export type * from './types/config.js'
export type * from './types/producer.js'
export type * from './types/consumer.js'
export type * from './types/admin.js'
