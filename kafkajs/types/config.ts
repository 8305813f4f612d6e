/**
 * Configuration: kafkajs's `KafkaConfig`, `ProducerConfig`, `ConsumerConfig` and `AdminConfig`, plus the
 * one thing kafdo/kafkajs adds, `kafdo`: where Kafdo is (a URL and a token over HTTP, or a Worker's
 * bindings). The broker settings kafkajs needs (`brokers`, `ssl`, `sasl`, ...) stay accepted so that
 * existing configuration compiles and runs; they are ignored with one warning.
 */
import type { Buffer } from 'node:buffer'
import type { logLevel } from '../constants.js'
import type { Logger, logCreator, Message, PartitionMetadata, RetryOptions } from './common.js'

/** Any `fetch`: a test double, undici, a service binding's `fetch`. */
export type KafdoFetch = (input: string, init: RequestInit) => Promise<Response>

export interface KafdoCommonOptions {
  /**
   * How long `consumer.run()` consumes before it commits, leaves the group and resolves (a Worker's
   * consumer lives one request). Default 10000 with `env`, none with `url`. Without a budget (or with
   * `Infinity`), `run()` resolves once the consumer has joined and consumes in the background until
   * `stop()`, as kafkajs does.
   */
  runBudgetMs?: number
}

/** Kafdo over HTTP (`kafdo/client`), from any JavaScript runtime. */
export interface KafdoHttpOptions extends KafdoCommonOptions {
  /** Where Kafdo answers, e.g. `https://kafdo.example.workers.dev`. */
  url: string
  /** A JWT or an API key, sent as `Authorization: Bearer <token>`. */
  token?: string
  /** Sent on every request. */
  headers?: Record<string, string>
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: KafdoFetch
  /** Act in another tenant (platform admins only). */
  tenant?: string
  env?: never
}

/**
 * A Worker's `env` with Kafdo's Durable Object bindings, as `KafdoBindings` of `kafdo` (typed loosely here,
 * so that Node code using kafdo/kafkajs needs no Workers types).
 */
export interface KafdoWorkerEnv {
  TOPIC_PARTITION: unknown
  CONSUMER_GROUP: unknown
  CLUSTER_METADATA: unknown
  AUTO_CREATE_TOPICS?: string
  DEFAULT_PARTITIONS?: string
}

/** Kafdo inside your own Worker, over its Durable Object bindings (the in-Worker API, tenant `default`). */
export interface KafdoWorkerOptions extends KafdoCommonOptions {
  env: KafdoWorkerEnv
  url?: never
}

export type KafdoOptions = KafdoHttpOptions | KafdoWorkerOptions

export type BrokersFunction = () => string[] | Promise<string[]>

export type SASLMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'aws' | 'oauthbearer'
export type SASLOptions =
  | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  | { mechanism: 'aws'; authorizationIdentity: string; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { mechanism: 'oauthbearer'; oauthBearerProvider: () => Promise<OauthbearerProviderResponse> }

export interface OauthbearerProviderResponse {
  value: string
}

export type Mechanism = {
  mechanism: string
  authenticationProvider: (args: unknown) => { authenticate: () => Promise<void> }
}

export interface ISocketFactoryArgs {
  host: string
  port: number
  ssl: object
  onConnect: () => void
}
export type ISocketFactory = (args: ISocketFactoryArgs) => unknown

export interface KafkaConfig {
  /** Where Kafdo is. Required at run time; optional in the type so that kafkajs configuration compiles. */
  kafdo?: KafdoOptions
  /** Accepted and ignored (one warning): Kafdo is reached through `kafdo`. */
  brokers?: string[] | BrokersFunction
  /** Accepted and ignored (one warning): HTTPS comes with the URL. */
  ssl?: object | boolean
  /** Accepted and ignored (one warning): authenticate with `kafdo.token`. */
  sasl?: SASLOptions | Mechanism
  clientId?: string
  connectionTimeout?: number
  authenticationTimeout?: number
  reauthenticationThreshold?: number
  /** Milliseconds an HTTP request may take (default 30000). */
  requestTimeout?: number
  enforceRequestTimeout?: boolean
  retry?: RetryOptions
  socketFactory?: ISocketFactory
  logLevel?: logLevel
  logCreator?: logCreator
}

export interface PartitionerArgs {
  topic: string
  partitionMetadata: PartitionMetadata[]
  message: Message
}

export type ICustomPartitioner = () => (args: PartitionerArgs) => number
export type DefaultPartitioner = ICustomPartitioner
export type LegacyPartitioner = ICustomPartitioner

export interface ProducerConfig {
  createPartitioner?: ICustomPartitioner
  retry?: RetryOptions
  metadataMaxAge?: number
  allowAutoTopicCreation?: boolean
  idempotent?: boolean
  transactionalId?: string
  transactionTimeout?: number
  maxInFlightRequests?: number
}

export type Assignment = { [topic: string]: number[] }
export type GroupMember = { memberId: string; memberMetadata: Buffer }
export type GroupMemberAssignment = { memberId: string; memberAssignment: Buffer }
export type GroupState = { name: string; metadata: Buffer }

export type Assigner = {
  name: string
  version: number
  assign(group: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]>
  protocol(subscription: { topics: string[] }): GroupState
}

/** kafkajs's assigner factories get its cluster; Kafdo assigns on the server, so they get nothing useful. */
export type PartitionAssigner = (config: { cluster: unknown; groupId: string; logger: Logger }) => Assigner

export interface ConsumerConfig {
  groupId: string
  partitionAssigners?: PartitionAssigner[]
  metadataMaxAge?: number
  sessionTimeout?: number
  rebalanceTimeout?: number
  heartbeatInterval?: number
  maxBytesPerPartition?: number
  minBytes?: number
  maxBytes?: number
  maxWaitTimeInMs?: number
  retry?: RetryOptions & { restartOnFailure?: (err: Error) => Promise<boolean> }
  allowAutoTopicCreation?: boolean
  maxInFlightRequests?: number
  readUncommitted?: boolean
  rackId?: string
}

export interface AdminConfig {
  retry?: RetryOptions
}
