/**
 * kafkajs's error classes (`src/errors.js`), with its names, hierarchy and `retriable` flags, so that
 * `instanceof` checks and `error.name`/`error.type` comparisons written for kafkajs keep working.
 * `from-kafdo.ts` turns Kafdo's errors into these.
 */

type ErrorLike = Error | string

const messageOf = (e: ErrorLike): string => (typeof e === 'string' ? e : e.message)

export interface KafkaJSErrorMetadata {
  retriable?: boolean
  cause?: Error
}

export class KafkaJSError extends Error {
  override name: string
  readonly retriable: boolean
  readonly helpUrl?: string
  override readonly cause?: Error

  constructor(e: ErrorLike, { retriable = true, cause }: KafkaJSErrorMetadata = {}) {
    super(messageOf(e))
    this.name = 'KafkaJSError'
    this.retriable = retriable
    if (cause !== undefined) this.cause = cause
    const help = typeof e === 'string' ? undefined : (e as { helpUrl?: unknown }).helpUrl
    if (typeof help === 'string') this.helpUrl = help
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: ErrorLike, { cause }: { cause?: Error } = {}) {
    super(e, { retriable: false, ...(cause ? { cause } : {}) })
    this.name = 'KafkaJSNonRetriableError'
  }
}

/** A refusal by the server, with Kafka's error name (`type`) and number (`code`, -1 where Kafka has none). */
export class KafkaJSProtocolError extends KafkaJSError {
  readonly type: string
  readonly code: number

  constructor(e: ErrorLike | { message: string; type: string; code: number; retriable: boolean }, { retriable }: { retriable?: boolean } = {}) {
    const described = typeof e === 'object' && 'type' in e ? e : undefined
    super(typeof e === 'string' || e instanceof Error ? e : e.message, { retriable: retriable ?? described?.retriable ?? false })
    this.type = described?.type ?? 'UNKNOWN'
    this.code = described?.code ?? -1
    this.name = 'KafkaJSProtocolError'
  }
}

export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  readonly topic: string
  readonly partition: number

  constructor(e: ConstructorParameters<typeof KafkaJSProtocolError>[0], { topic, partition }: { topic: string; partition: number }) {
    super(e)
    this.topic = topic
    this.partition = partition
    this.name = 'KafkaJSOffsetOutOfRange'
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  readonly retryCount: number
  readonly retryTime: number

  constructor(e: Error, { retryCount, retryTime }: { retryCount: number; retryTime: number }) {
    super(e, { cause: e })
    this.stack = `KafkaJSNonRetriableError\n  Caused by: ${e.stack ?? e.message}`
    this.retryCount = retryCount
    this.retryTime = retryTime
    this.name = 'KafkaJSNumberOfRetriesExceeded'
  }
}

export class KafkaJSConnectionError extends KafkaJSError {
  readonly broker: string | undefined
  readonly code: string | undefined

  constructor(e: ErrorLike, { broker, code }: { broker?: string; code?: string } = {}) {
    super(e)
    this.broker = broker
    this.code = code
    this.name = 'KafkaJSConnectionError'
  }
}

export class KafkaJSRequestTimeoutError extends KafkaJSError {
  readonly broker: string
  readonly correlationId: number
  readonly createdAt: number
  readonly sentAt: number
  readonly pendingDuration: number

  constructor(e: ErrorLike, metadata: { broker: string; correlationId?: number; createdAt?: number; sentAt?: number; pendingDuration?: number }) {
    super(e)
    this.broker = metadata.broker
    this.correlationId = metadata.correlationId ?? 0
    this.createdAt = metadata.createdAt ?? 0
    this.sentAt = metadata.sentAt ?? 0
    this.pendingDuration = metadata.pendingDuration ?? 0
    this.name = 'KafkaJSRequestTimeoutError'
  }
}

export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  constructor(e: ErrorLike = 'Metadata not loaded') {
    super(e)
    this.name = 'KafkaJSMetadataNotLoaded'
  }
}

export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  readonly topic: string | undefined

  constructor(e: ErrorLike, { topic }: { topic?: string } = {}) {
    super(e)
    this.topic = topic
    this.name = 'KafkaJSTopicMetadataNotLoaded'
  }
}

export class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  readonly topic: string | undefined
  readonly unknownPartitions: unknown

  constructor(e: ErrorLike, { topic, unknownPartitions }: { topic?: string; unknownPartitions?: unknown } = {}) {
    super(e)
    this.topic = topic
    this.unknownPartitions = unknownPartitions
    this.name = 'KafkaJSStaleTopicMetadataAssignment'
  }
}

export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  readonly apiKey: number | undefined
  readonly apiName: string | undefined

  constructor(e: ErrorLike, { apiKey, apiName }: { apiKey?: number; apiName?: string } = {}) {
    super(e)
    this.apiKey = apiKey
    this.apiName = apiName
    this.name = 'KafkaJSServerDoesNotSupportApiKey'
  }
}

export class KafkaJSBrokerNotFound extends KafkaJSError {
  constructor(e: ErrorLike = 'Broker not found', metadata: KafkaJSErrorMetadata = {}) {
    super(e, metadata)
    this.name = 'KafkaJSBrokerNotFound'
  }
}

export class KafkaJSPartialMessageError extends KafkaJSNonRetriableError {
  constructor(e: ErrorLike = 'Partial message') {
    super(e)
    this.name = 'KafkaJSPartialMessageError'
  }
}

export class KafkaJSSASLAuthenticationError extends KafkaJSNonRetriableError {
  constructor(e: ErrorLike = 'SASL authentication failed') {
    super(e)
    this.name = 'KafkaJSSASLAuthenticationError'
  }
}

export class KafkaJSGroupCoordinatorNotFound extends KafkaJSNonRetriableError {
  constructor(e: ErrorLike = 'Group coordinator not found') {
    super(e)
    this.name = 'KafkaJSGroupCoordinatorNotFound'
  }
}

/** What kafdo/kafkajs throws for a kafkajs feature Kafdo cannot honour (transactions, ACLs, ...), naming it. */
export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  constructor(e: ErrorLike = 'Not implemented') {
    super(e)
    this.name = 'KafkaJSNotImplemented'
  }
}

export class KafkaJSTimeout extends KafkaJSNonRetriableError {
  constructor(e: ErrorLike = 'Timeout') {
    super(e)
    this.name = 'KafkaJSTimeout'
  }
}

export class KafkaJSLockTimeout extends KafkaJSTimeout {
  constructor(e: ErrorLike = 'Lock timeout') {
    super(e)
    this.name = 'KafkaJSLockTimeout'
  }
}

export class KafkaJSUnsupportedMagicByteInMessageSet extends KafkaJSNonRetriableError {
  constructor(e: ErrorLike = 'Unsupported magic byte') {
    super(e)
    this.name = 'KafkaJSUnsupportedMagicByteInMessageSet'
  }
}

// kafkajs names these two 'KafkaJSNonRetriableError'.
export class KafkaJSInvalidVarIntError extends KafkaJSNonRetriableError {}
export class KafkaJSInvalidLongError extends KafkaJSNonRetriableError {}
export class KafkaJSFetcherRebalanceError extends Error {}

export class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  constructor() {
    super('No broker available')
    this.name = 'KafkaJSNoBrokerAvailableError'
  }
}

export class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  readonly memberId: string

  constructor(e: ConstructorParameters<typeof KafkaJSProtocolError>[0], { memberId }: { memberId: string }) {
    super(e)
    this.memberId = memberId
    this.name = 'KafkaJSMemberIdRequired'
  }
}

export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  readonly topic: string

  constructor(e: ConstructorParameters<typeof KafkaJSProtocolError>[0], topicName: string) {
    super(e)
    this.topic = topicName
    this.name = 'KafkaJSCreateTopicError'
  }
}

export class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  readonly topic?: string
  readonly partition?: number

  constructor(e: ConstructorParameters<typeof KafkaJSProtocolError>[0], topic?: string, partition?: number) {
    super(e)
    if (topic !== undefined) this.topic = topic
    if (partition !== undefined) this.partition = partition
    this.name = 'KafkaJSAlterPartitionReassignmentsError'
  }
}

export class KafkaJSDeleteGroupsError extends KafkaJSError {
  readonly groups: Array<{ groupId: string; errorCode: number; error: KafkaJSError }>

  constructor(e: ErrorLike, groups: Array<{ groupId: string; errorCode: number; error: KafkaJSError }> = []) {
    super(e)
    this.groups = groups
    this.name = 'KafkaJSDeleteGroupsError'
  }
}

export interface KafkaJSDeleteTopicRecordsErrorPartition {
  partition: number
  offset: string
  error: KafkaJSError
}

export class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  readonly topic: string
  readonly partitions: KafkaJSDeleteTopicRecordsErrorPartition[]

  constructor({ topic, partitions }: { topic: string; partitions: KafkaJSDeleteTopicRecordsErrorPartition[] }) {
    // Retriable only if every partition's error is, as kafkajs decides it.
    super('Error while deleting records', { retriable: partitions.every(({ error }) => error.retriable) })
    this.topic = topic
    this.partitions = partitions
    this.name = 'KafkaJSDeleteTopicRecordsError'
  }
}

export class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  constructor(e: ErrorLike) {
    super(`Invariant violated: ${messageOf(e)}. This is likely a bug and should be reported.`)
    this.name = 'KafkaJSInvariantViolation'
  }
}

export class KafkaJSAggregateError extends Error {
  readonly errors: (Error | string)[]

  constructor(message: ErrorLike, errors: (Error | string)[]) {
    super(messageOf(message))
    this.errors = errors
    this.name = 'KafkaJSAggregateError'
  }
}

/** kafkajs's: whether an error means the group is rebalancing (never, on Kafka 4's consumer protocol). */
export const isRebalancing = (e: { type?: string }): boolean =>
  e.type === 'REBALANCE_IN_PROGRESS' || e.type === 'NOT_COORDINATOR_FOR_GROUP' || e.type === 'ILLEGAL_GENERATION'

export const isKafkaJSError = (e: unknown): e is KafkaJSError => e instanceof KafkaJSError
