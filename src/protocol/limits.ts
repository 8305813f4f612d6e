/**
 * Named limits, enforced at the edge (zod schemas) and inside the Durable Objects. Each is documented in
 * README.md ("Limits").
 */

/** Kafka's legal topic name: `[a-zA-Z0-9._-]`, at most 249 characters, not `.` or `..`. */
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]+$/
export const MAX_TOPIC_NAME_LENGTH = 249

export const MAX_PARTITIONS_PER_TOPIC = 1024
/** A new topic gets this many partitions when the request names none. */
export const DEFAULT_TOPIC_PARTITIONS = 1

/** Kafka's default `max.message.bytes` (1 MiB + record overhead). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588
/** A stored batch row must stay under the platform's 2 MB row limit, so one record can be at most this. */
export const MAX_MESSAGE_BYTES_CEILING = 1_900_000
/** Records are packed into stored batch rows of at most this many bytes. */
export const MAX_STORED_BATCH_BYTES = 1_000_000

export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
export const MAX_RECORDS_PER_BATCH = 10_000
export const MAX_KEY_BYTES = 16 * 1024
export const MAX_HEADERS_PER_RECORD = 64
export const MAX_HEADER_KEY_LENGTH = 256
export const MAX_HEADER_VALUE_BYTES = 16 * 1024
/**
 * How deeply a record value may nest arrays and objects (`[[1]]` is 2 levels, a scalar 0). MongoDB
 * documents nest at most 100 levels and change-event envelopes add a few. Deeper values are refused at
 * produce: they overflow the stack of whatever reads them later (structured clone across RPC, recursive
 * JSON tools in consumers).
 */
export const MAX_VALUE_DEPTH = 128

export const DEFAULT_FETCH_LIMIT = 100
export const MAX_FETCH_LIMIT = 10_000
export const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024
export const MAX_FETCH_MAX_BYTES = 8 * 1024 * 1024
/** Upper bound on a long-poll; Kafka's own default `fetch.max.wait.ms` is 500. */
export const MAX_FETCH_WAIT_MS = 30_000

export const MAX_PRODUCER_ID_LENGTH = 128
/** Per producer and partition, the most recent batches whose offsets a retry gets back (Kafka keeps 5). */
export const PRODUCER_DEDUP_WINDOW = 5

export const MAX_GROUP_ID_LENGTH = 255
export const MAX_GROUP_MEMBERS = 256
export const MAX_PATTERN_LENGTH = 256
export const MAX_COMMIT_METADATA_LENGTH = 4096
/** Kafka's group.min/max.session.timeout.ms are 6 s and 30 min; we allow shorter sessions for tests. */
export const MIN_SESSION_TIMEOUT_MS = 1_000
export const MAX_SESSION_TIMEOUT_MS = 1_800_000
export const DEFAULT_SESSION_TIMEOUT_MS = 30_000
export const DEFAULT_REBALANCE_TIMEOUT_MS = 60_000
export const MAX_REBALANCE_TIMEOUT_MS = 300_000
/** How often a stable member heartbeats unless it asks otherwise (at most a third of its session timeout). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 3_000
/** How soon a member that is reconciling (waiting for partitions, or revoking) is told to heartbeat again. */
export const RECONCILE_HEARTBEAT_INTERVAL_MS = 250
