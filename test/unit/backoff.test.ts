import { describe, expect, it } from 'vitest'
import { baseDelay, exhausted, retryDelay } from '../../src/core/backoff'
import type { RetryPolicy } from '../../src/protocol/queues'

const schedule = (policy: RetryPolicy, attempts = 5) => Array.from({ length: attempts }, (_, i) => baseDelay(policy, i + 1))

describe('backoff', () => {
  it('fixed waits the same each time', () => {
    expect(schedule({ strategy: 'fixed', delayMs: 1000, maxAttempts: 5 })).toEqual([1000, 1000, 1000, 1000, 1000])
  })

  it('linear grows by the increment (default: the delay)', () => {
    expect(schedule({ strategy: 'linear', delayMs: 1000, maxAttempts: 5 })).toEqual([1000, 2000, 3000, 4000, 5000])
    expect(schedule({ strategy: 'linear', delayMs: 1000, incrementMs: 500, maxAttempts: 5 })).toEqual([1000, 1500, 2000, 2500, 3000])
  })

  it('exponential multiplies by the factor and stops at the cap', () => {
    expect(schedule({ strategy: 'exponential', delayMs: 100, maxAttempts: 9 }, 6)).toEqual([100, 200, 400, 800, 1600, 3200])
    expect(schedule({ strategy: 'exponential', delayMs: 100, factor: 10, maxDelayMs: 5000, maxAttempts: 9 }, 4)).toEqual([100, 1000, 5000, 5000])
  })

  it('schedule gives retry tiers of 1, 5 and 30 minutes, repeating the last', () => {
    const tiers: RetryPolicy = { strategy: 'schedule', delaysMs: [60_000, 300_000, 1_800_000], maxAttempts: 4 }
    expect(schedule(tiers, 4)).toEqual([60_000, 300_000, 1_800_000, 1_800_000])
  })

  it('keeps jittered delays within [delay * (1 - jitter), delay]', () => {
    const policy: RetryPolicy = { strategy: 'exponential', delayMs: 1000, jitter: 0.25, maxDelayMs: 10_000, maxAttempts: 9 }
    for (let attempt = 1; attempt <= 8; attempt++) {
      const base = baseDelay(policy, attempt)
      expect(retryDelay(policy, attempt, () => 0)).toBe(base)
      expect(retryDelay(policy, attempt, () => 0.999999)).toBeGreaterThanOrEqual(Math.floor(base * 0.75))
      for (let i = 0; i < 50; i++) {
        const delay = retryDelay(policy, attempt)
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.75))
        expect(delay).toBeLessThanOrEqual(base)
      }
    }
    expect(retryDelay({ strategy: 'fixed', delayMs: 1000, jitter: 1, maxAttempts: 1 }, 1, () => 0.5)).toBe(500)
  })

  it('is exhausted once attempts reach maxAttempts', () => {
    const policy: RetryPolicy = { strategy: 'fixed', delayMs: 1, maxAttempts: 3 }
    expect([1, 2, 3, 4].map((n) => exhausted(policy, n))).toEqual([false, false, true, true])
  })
})
