/**
 * Topic configuration: Kafka's key names and string-or-number values (`'retention.ms': '604800000'`),
 * validated and normalised into typed values. Adding a config key means adding one entry to
 * `TOPIC_CONFIG_KEYS`; unknown keys are refused so a typo never silently does nothing.
 */
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES_CEILING } from './limits.js'

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete'
export type TimestampType = 'CreateTime' | 'LogAppendTime'

export interface TopicConfig {
  /** How long a record is kept, in ms; -1 keeps it forever. Kafka's default is 7 days. */
  'retention.ms': number
  /** The most bytes a partition keeps before deleting its oldest batches; -1 means no limit. */
  'retention.bytes': number
  'cleanup.policy': CleanupPolicy
  /** The largest record (key + value + headers, as encoded) a producer may write. */
  'max.message.bytes': number
  /** CreateTime keeps the producer's timestamp; LogAppendTime stamps records with the write time. */
  'message.timestamp.type': TimestampType
  /** How long tombstones survive compaction. */
  'delete.retention.ms': number
  /** Validate record values against the latest schema of subject `<topic>-value` (Confluent's name). */
  'confluent.value.schema.validation': boolean
  /** Validate record keys against the latest schema of subject `<topic>-key`. */
  'confluent.key.schema.validation': boolean
}

export type TopicConfigInput = Record<string, string | number | boolean>

export const DEFAULT_TOPIC_CONFIG: TopicConfig = {
  'retention.ms': 604_800_000,
  'retention.bytes': -1,
  'cleanup.policy': 'delete',
  'max.message.bytes': DEFAULT_MAX_MESSAGE_BYTES,
  'message.timestamp.type': 'CreateTime',
  'delete.retention.ms': 86_400_000,
  'confluent.value.schema.validation': false,
  'confluent.key.schema.validation': false,
}

type Parsed<V> = { value: V } | { error: string }
type Parser<V> = (raw: string | number | boolean) => Parsed<V>

const durationOrInfinite: Parser<number> = (raw) => {
  const n = toInteger(raw)
  if (n === undefined || (n < 0 && n !== -1)) return { error: 'must be a non-negative integer or -1 (unlimited)' }
  return { value: n }
}

const nonNegative: Parser<number> = (raw) => {
  const n = toInteger(raw)
  return n === undefined || n < 0 ? { error: 'must be a non-negative integer' } : { value: n }
}

const maxMessageBytes: Parser<number> = (raw) => {
  const n = toInteger(raw)
  if (n === undefined || n < 1 || n > MAX_MESSAGE_BYTES_CEILING) {
    return { error: `must be an integer between 1 and ${MAX_MESSAGE_BYTES_CEILING}` }
  }
  return { value: n }
}

const cleanupPolicy: Parser<CleanupPolicy> = (raw) => {
  const value = String(raw)
    .split(',')
    .map((part) => part.trim())
    .sort()
    .join(',')
  if (value === 'delete' || value === 'compact' || value === 'compact,delete') return { value }
  return { error: "must be 'delete', 'compact' or 'compact,delete'" }
}

const timestampType: Parser<TimestampType> = (raw) =>
  raw === 'CreateTime' || raw === 'LogAppendTime' ? { value: raw } : { error: "must be 'CreateTime' or 'LogAppendTime'" }

const bool: Parser<boolean> = (raw) =>
  raw === true || raw === 'true' ? { value: true } : raw === false || raw === 'false' ? { value: false } : { error: "must be 'true' or 'false'" }

const TOPIC_CONFIG_KEYS: { [K in keyof TopicConfig]: Parser<TopicConfig[K]> } = {
  'retention.ms': durationOrInfinite,
  'retention.bytes': durationOrInfinite,
  'cleanup.policy': cleanupPolicy,
  'max.message.bytes': maxMessageBytes,
  'message.timestamp.type': timestampType,
  'delete.retention.ms': nonNegative,
  'confluent.value.schema.validation': bool,
  'confluent.key.schema.validation': bool,
}

/**
 * Kafka settings that describe a broker cluster Kafdo does not have (replication, segments, compression).
 * They are accepted so that existing topic definitions apply unchanged, and have no effect.
 */
export const IGNORED_KAFKA_CONFIG_KEYS = [
  'min.insync.replicas',
  'replication.factor',
  'segment.bytes',
  'segment.ms',
  'compression.type',
  'unclean.leader.election.enable',
] as const

export type TopicConfigResult = { ok: true; config: TopicConfig } | { ok: false; errors: Record<string, string> }

/** Applies `input` over `base`, validating each key; returns every invalid key at once. */
export function parseTopicConfig(input: TopicConfigInput | undefined, base: TopicConfig = DEFAULT_TOPIC_CONFIG): TopicConfigResult {
  const config: Record<string, unknown> = { ...base }
  const errors: Record<string, string> = {}
  for (const [key, raw] of Object.entries(input ?? {})) {
    if (isIgnoredKey(key)) continue
    if (!Object.hasOwn(TOPIC_CONFIG_KEYS, key)) {
      errors[key] = unknownKey()
      continue
    }
    const parsed = TOPIC_CONFIG_KEYS[key as keyof TopicConfig](raw)
    if ('error' in parsed) errors[key] = parsed.error
    else config[key] = parsed.value
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, config: config as unknown as TopicConfig }
}

/**
 * Kafka's IncrementalAlterConfigs on a topic: the keys of `set` take their new values (SET), the keys of
 * `reset` go back to their value in `defaults` (DELETE), every other key keeps its value in `base`. Every
 * unknown or invalid key is reported at once; ignored Kafka keys are accepted either way.
 */
export function changeTopicConfig(
  base: TopicConfig,
  set: TopicConfigInput | undefined,
  reset: readonly string[],
  defaults: TopicConfig,
): TopicConfigResult {
  const parsed = parseTopicConfig(set, base)
  const config: Record<string, unknown> = { ...(parsed.ok ? parsed.config : base) }
  const errors: Record<string, string> = parsed.ok ? {} : { ...parsed.errors }
  for (const key of reset) {
    if (isIgnoredKey(key)) continue
    if (Object.hasOwn(TOPIC_CONFIG_KEYS, key)) config[key] = defaults[key as keyof TopicConfig]
    else errors[key] = unknownKey()
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, config: config as unknown as TopicConfig }
}

/** The config as Kafka tools show it: every value a string. */
export function topicConfigToStrings(config: TopicConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, String(value)]))
}

const isIgnoredKey = (key: string) => (IGNORED_KAFKA_CONFIG_KEYS as readonly string[]).includes(key)

const unknownKey = () => `unknown topic config; known keys: ${Object.keys(TOPIC_CONFIG_KEYS).join(', ')}`

function toInteger(raw: string | number | boolean): number | undefined {
  if (typeof raw === 'boolean') return undefined
  const n = typeof raw === 'number' ? raw : raw.trim() === '' ? Number.NaN : Number(raw)
  return Number.isSafeInteger(n) ? n : undefined
}
