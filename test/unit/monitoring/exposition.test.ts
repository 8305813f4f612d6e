import { describe, expect, it } from 'vitest'
import { escapeLabel, renderExposition } from '../../../src/core/monitoring/exposition'
import { addCount, emptyState, mergeInto, observe, stateSamples } from '../../../src/core/monitoring/request-metrics'
import { METRICS } from '../../../src/protocol/metric-catalogue'

describe('Monitoring > exposition format', () => {
  it('writes HELP and TYPE once per family, every family together, in the catalogue order', () => {
    const text = renderExposition([
      { name: 'kafdo_group_members', labels: { tenant: 'a', group: 'g' }, value: 2 },
      { name: 'kafdo_partition_log_end_offset', labels: { tenant: 'a', topic: 't', partition: '0' }, value: 5 },
      { name: 'kafdo_group_members', labels: { tenant: 'b', group: 'g' }, value: 1 },
    ])
    expect(text).toBe(
      [
        '# HELP kafdo_partition_log_end_offset Next offset to be written (the high watermark).',
        '# TYPE kafdo_partition_log_end_offset gauge',
        'kafdo_partition_log_end_offset{tenant="a",topic="t",partition="0"} 5',
        '# HELP kafdo_group_members Members of the consumer group.',
        '# TYPE kafdo_group_members gauge',
        'kafdo_group_members{tenant="a",group="g"} 2',
        'kafdo_group_members{tenant="b",group="g"} 1',
        '',
      ].join('\n'),
    )
  })

  it('escapes backslashes, quotes and line feeds in label values', () => {
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd')
  })

  it('names every metric by the conventions: kafdo_ prefix, _total on counters only, base units, bounded labels', () => {
    for (const metric of METRICS) {
      expect(metric.name).toMatch(/^kafdo_[a-z_]+$/)
      expect(metric.name.endsWith('_total')).toBe(metric.type === 'counter')
      expect(metric.name).not.toMatch(/_(ms|milliseconds|kb|mb)(_|$)/)
      for (const label of metric.labels)
        expect([
          'tenant',
          'topic',
          'partition',
          'group',
          'queue',
          'method',
          'route',
          'result',
          'code',
          'bucket',
          'subscription',
          'version',
        ]).toContain(label)
    }
    expect(new Set(METRICS.map((m) => m.name)).size).toBe(METRICS.length)
  })
})

describe('Monitoring > per-request metric state', () => {
  it('counts, observes into cumulative buckets, and merges deltas', () => {
    const a = emptyState()
    addCount(a, 'kafdo_http_requests_total', ['POST', '/topics/:topic/produce', 'success'])
    observe(a, 'kafdo_http_request_duration_seconds', ['POST', '/topics/:topic/produce'], 0.02)
    const b = emptyState()
    addCount(b, 'kafdo_http_requests_total', ['POST', '/topics/:topic/produce', 'success'], 2)
    observe(b, 'kafdo_http_request_duration_seconds', ['POST', '/topics/:topic/produce'], 20)
    mergeInto(a, b)
    const samples = stateSamples(a, 'acme')
    expect(samples).toContainEqual({
      name: 'kafdo_http_requests_total',
      labels: { tenant: 'acme', method: 'POST', route: '/topics/:topic/produce', result: 'success' },
      value: 3,
    })
    const buckets = samples.filter((s) => s.name === 'kafdo_http_request_duration_seconds_bucket').map((s) => [s.labels.le, s.value])
    expect(buckets).toContainEqual(['0.01', 0])
    expect(buckets).toContainEqual(['0.025', 1])
    expect(buckets).toContainEqual(['10', 1])
    expect(buckets).toContainEqual(['+Inf', 2])
    expect(samples).toContainEqual({
      name: 'kafdo_http_request_duration_seconds_count',
      labels: { tenant: 'acme', method: 'POST', route: '/topics/:topic/produce' },
      value: 2,
    })
    // A histogram's lines render as one family.
    expect(renderExposition(samples).match(/# TYPE kafdo_http_request_duration_seconds histogram/g)).toHaveLength(1)
  })
})
