/**
 * kafkajs's enumerations, with its names and values (kafkajs declares them as enums in `types/index.d.ts`
 * and exports plain objects of the same values): log levels, compression codecs, config resource types
 * and sources, and the ACL vocabulary (accepted by name only: Kafdo's access control is its own RBAC).
 */

export enum logLevel {
  NOTHING = 0,
  ERROR = 1,
  WARN = 2,
  INFO = 4,
  DEBUG = 5,
}

export enum CompressionTypes {
  None = 0,
  GZIP = 1,
  Snappy = 2,
  LZ4 = 3,
  ZSTD = 4,
}

export enum ConfigResourceTypes {
  UNKNOWN = 0,
  TOPIC = 2,
  BROKER = 4,
  BROKER_LOGGER = 8,
}

export enum ConfigSource {
  UNKNOWN = 0,
  TOPIC_CONFIG = 1,
  DYNAMIC_BROKER_CONFIG = 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
  STATIC_BROKER_CONFIG = 4,
  DEFAULT_CONFIG = 5,
  DYNAMIC_BROKER_LOGGER_CONFIG = 6,
}

export enum AclResourceTypes {
  UNKNOWN = 0,
  ANY = 1,
  TOPIC = 2,
  GROUP = 3,
  CLUSTER = 4,
  TRANSACTIONAL_ID = 5,
  DELEGATION_TOKEN = 6,
}

export enum AclOperationTypes {
  UNKNOWN = 0,
  ANY = 1,
  ALL = 2,
  READ = 3,
  WRITE = 4,
  CREATE = 5,
  DELETE = 6,
  ALTER = 7,
  DESCRIBE = 8,
  CLUSTER_ACTION = 9,
  DESCRIBE_CONFIGS = 10,
  ALTER_CONFIGS = 11,
  IDEMPOTENT_WRITE = 12,
}

export enum AclPermissionTypes {
  UNKNOWN = 0,
  ANY = 1,
  DENY = 2,
  ALLOW = 3,
}

export enum ResourcePatternTypes {
  UNKNOWN = 0,
  ANY = 1,
  MATCH = 2,
  LITERAL = 3,
  PREFIXED = 4,
}

/**
 * kafkajs's pluggable codecs. Kafdo stores records as it receives them (SQLite pages, not Kafka record
 * batches), so a codec registered here is never called; the producer accepts `compression` with one
 * warning instead.
 */
export const CompressionCodecs: Record<number, () => unknown> = {
  [CompressionTypes.GZIP]: () => ({}),
  [CompressionTypes.Snappy]: () => ({}),
  [CompressionTypes.LZ4]: () => ({}),
  [CompressionTypes.ZSTD]: () => ({}),
}

/** kafkajs's special offsets, as strings: `-2` earliest, `-1` latest (Kafka's ListOffsets timestamps). */
export const EARLIEST_OFFSET = '-2'
export const LATEST_OFFSET = '-1'
