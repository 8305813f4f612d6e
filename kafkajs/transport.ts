/**
 * What kafdo/kafkajs needs from Kafdo, and nothing else: two implementations, one over HTTP on
 * `kafdo/client` (`http-transport.ts`, any JavaScript runtime) and one over a Worker's bindings on the
 * in-Worker API (`env-transport.ts`). Each call is made once: the kafkajs layer retries by kafkajs's
 * `retry` options, and a produce is retried with the same producer id and sequence, so it is written once.
 *
 * The env transport is imported only when `kafdo.env` is given, so `kafdo/kafkajs` in Node never loads
 * the Worker's code (see `kafka.ts`).
 */
import type { GroupPort } from '../src/core/consumer/port.js'
import type {
  AlterTopicConfigRequest,
  AlterTopicConfigResult,
  CommittedOffsetDescription,
  CreateTopicRequest,
  DeleteRecordsRequest,
  DeleteRecordsResult,
  GroupDescription,
  GroupListing,
  ProduceRecord,
  RecordMetadata,
  ResetOffsetsRequest,
  TopicDescription,
  TopicSummary,
} from '../src/protocol/index.js'

/** A topic as the producer needs it: how many partitions, and whether the server stamps timestamps. */
export interface TopicInfo {
  partitions: number
  logAppendTime: boolean
}

export interface Transport {
  /** How the client names where Kafdo is, in errors and events ("host:port", or "worker"). */
  readonly broker: string
  /** A cheap call that fails as the real ones would if Kafdo cannot be reached. */
  ping(): Promise<void>
  /** The topic, or undefined when it does not exist. */
  topic(name: string): Promise<TopicInfo | undefined>
  /** One produce request, partitions chosen, idempotent by `(producerId, sequence)`. */
  produce(topic: string, records: ProduceRecord[], idempotence: { producerId: string; sequence: number }): Promise<RecordMetadata[]>
  /** The consumer core's port for `groupId`. */
  groupPort(groupId: string): GroupPort
  listTopics(): Promise<TopicSummary[]>
  describeTopic(topic: string): Promise<TopicDescription>
  createTopic(request: CreateTopicRequest, dryRun: boolean): Promise<TopicSummary>
  deleteTopic(topic: string): Promise<void>
  createPartitions(topic: string, count: number, dryRun: boolean): Promise<TopicSummary>
  alterTopicConfig(topic: string, change: AlterTopicConfigRequest, dryRun: boolean): Promise<AlterTopicConfigResult>
  /** The first offset at or after `timestamp`, or the partition's latest when there is none. */
  offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number>
  deleteRecords(topic: string, partitions: DeleteRecordsRequest['partitions']): Promise<DeleteRecordsResult>
  listGroups(): Promise<GroupListing[]>
  describeGroup(groupId: string): Promise<GroupDescription>
  deleteGroup(groupId: string): Promise<void>
  resetOffsets(groupId: string, request: ResetOffsetsRequest): Promise<CommittedOffsetDescription[]>
}

/** A network request, for kafkajs's `*.network.request` events (HTTP only). */
export interface RequestInfo {
  apiName: string
  createdAt: number
  sentAt: number
  duration: number
  size: number
}

export interface TransportHooks {
  onRequest?: (request: RequestInfo) => void
}

/** A group port usable before the transport has loaded (a consumer's `run()` is set up synchronously, as kafkajs's). */
export function lazyGroupPort(transport: Promise<Transport>, groupId: string): GroupPort {
  const port = transport.then((t) => t.groupPort(groupId))
  return {
    join: async (request) => (await port).join(request),
    heartbeat: async (request) => (await port).heartbeat(request),
    fetch: async (request, signal) => (await port).fetch(request, signal),
    commit: async (request) => (await port).commit(request),
    leave: async (request) => (await port).leave(request),
    committedOffsets: async () => (await port).committedOffsets(),
  }
}
