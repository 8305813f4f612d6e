import { describe, expect, it } from 'vitest'
import { advance, EMPTY_HEALTH_STATE, evaluateChecks, growthFigures, stormOf, summarize } from '../../../src/core/monitoring/health'
import type { HealthThreshold } from '../../../src/protocol/monitoring'

const lagOver100: HealthThreshold = { metric: 'lag', op: '>', value: 100 }
const fewMembers: HealthThreshold = { metric: 'members', op: '<', value: 2, severity: 'failing' }

describe('Monitoring > health thresholds', () => {
  it('is ok with nothing breached, degraded or failing by the worst severity breached', () => {
    const figures = { lag: 50, members: 3 }
    const at = (f: Record<string, number>) => evaluateChecks([lagOver100, fewMembers], (t) => f[t.metric] ?? null, {}, 0)
    expect(summarize(at(figures)).status).toBe('ok')
    expect(summarize(at({ ...figures, lag: 500 }))).toEqual({ status: 'degraded', reasons: ['lag is 500 (threshold > 100, degraded)'] })
    expect(summarize(at({ lag: 500, members: 1 })).status).toBe('failing')
  })

  it('does not count a threshold with forMs until the evaluation has seen it hold that long', () => {
    const t: HealthThreshold = { metric: 'lag', op: '>', value: 100, forMs: 300_000 }
    const first = advance([t], () => 500, EMPTY_HEALTH_STATE, 1_000)
    expect(first.checks[0]).toMatchObject({ breached: true, pending: true, since: 1_000 })
    expect(first.crossed).toEqual([])
    const later = advance([t], () => 500, first.state, 301_000)
    expect(later.checks[0]).toMatchObject({ breached: true, pending: false, since: 1_000 })
    expect(later.crossed).toHaveLength(1)
    // A dip below resets the clock.
    const dip = advance([t], () => 10, later.state, 302_000)
    expect(dip.recovered).toHaveLength(1)
    expect(advance([t], () => 500, dip.state, 303_000).checks[0]).toMatchObject({ pending: true, since: 303_000 })
  })

  it('reports each crossing once, and its recovery once', () => {
    let state = EMPTY_HEALTH_STATE
    const events: string[] = []
    for (const lag of [10, 200, 300, 50, 40, 150]) {
      const step = advance([lagOver100], () => lag, state, 0)
      state = step.state
      events.push(...step.crossed.map((c) => `crossed ${c.observed}`), ...step.recovered.map((c) => `recovered ${c.observed}`))
    }
    expect(events).toEqual(['crossed 200', 'recovered 50', 'crossed 150'])
  })

  it('measures growth from the last evaluation, and nothing without one', () => {
    expect(growthFigures({ deadLettered: 5, epoch: 9 }, {})).toEqual({ dlqGrowth: null, rebalances: null })
    expect(growthFigures({ deadLettered: 5, epoch: 9 }, { deadLettered: 2, epoch: 4 })).toEqual({ dlqGrowth: 3, rebalances: 5 })
  })

  it('starts a rebalance storm once, when the epoch advanced past the limit, and ends it when calm', () => {
    expect(stormOf(12, 10, false)).toEqual({ inStorm: true, starts: true })
    expect(stormOf(15, 10, true)).toEqual({ inStorm: true, starts: false })
    expect(stormOf(1, 10, true)).toEqual({ inStorm: false, starts: false })
    expect(stormOf(null, 10, false)).toEqual({ inStorm: false, starts: false })
  })
})
