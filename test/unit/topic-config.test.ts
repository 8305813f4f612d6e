import { describe, expect, it } from 'vitest'
import { changeTopicConfig, DEFAULT_TOPIC_CONFIG, parseTopicConfig } from '../../src/protocol/topic-config'

describe('topic config', () => {
  it("accepts Kafka's string values and normalises them", () => {
    const result = parseTopicConfig({ 'retention.ms': '604800000', 'cleanup.policy': 'delete,compact', 'retention.bytes': -1 })
    expect(result).toEqual({
      ok: true,
      config: { ...DEFAULT_TOPIC_CONFIG, 'retention.ms': 604800000, 'cleanup.policy': 'compact,delete', 'retention.bytes': -1 },
    })
  })

  it('refuses unknown keys and bad values, naming each', () => {
    const result = parseTopicConfig({ 'retention.msec': '1', 'retention.ms': '-5', 'cleanup.policy': 'forever', 'max.message.bytes': '99999999' })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(Object.keys(result.errors).sort()).toEqual(['cleanup.policy', 'max.message.bytes', 'retention.ms', 'retention.msec'])
  })

  it('accepts replication settings that have no meaning here, and ignores them', () => {
    expect(parseTopicConfig({ 'min.insync.replicas': '2' })).toEqual({ ok: true, config: DEFAULT_TOPIC_CONFIG })
  })
})

describe('topic config > incremental change', () => {
  const base = { ...DEFAULT_TOPIC_CONFIG, 'retention.ms': 3_600_000, 'cleanup.policy': 'compact' as const, 'max.message.bytes': 500 }
  const defaults = { ...DEFAULT_TOPIC_CONFIG, 'retention.ms': 86_400_000 }

  it('sets keys (SET), resets others to the given defaults (DELETE) and keeps the rest', () => {
    expect(changeTopicConfig(base, { 'max.message.bytes': '900' }, ['retention.ms', 'cleanup.policy'], defaults)).toEqual({
      ok: true,
      config: { ...base, 'max.message.bytes': 900, 'retention.ms': 86_400_000, 'cleanup.policy': 'delete' },
    })
  })

  it('reports every unknown or invalid key, whether set or reset, and accepts ignored Kafka keys either way', () => {
    const result = changeTopicConfig(
      base,
      { 'retention.msec': 1, 'max.message.bytes': 0, 'segment.bytes': 1 },
      ['cleanup.polcy', 'min.insync.replicas'],
      defaults,
    )
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(Object.keys(result.errors).sort()).toEqual(['cleanup.polcy', 'max.message.bytes', 'retention.msec'])
    expect(changeTopicConfig(base, { 'segment.bytes': 1 }, ['min.insync.replicas'], defaults)).toEqual({ ok: true, config: base })
  })
})
