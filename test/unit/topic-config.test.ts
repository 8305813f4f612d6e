import { describe, expect, it } from 'vitest'
import { DEFAULT_TOPIC_CONFIG, parseTopicConfig } from '../../src/protocol/topic-config'

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
