/**
 * Redelivery delays for a queue's retry policy. `attempt` counts failed deliveries so far (1 after the
 * first failure). Jitter subtracts up to `jitter` of the delay at random (1 gives AWS's "full jitter",
 * spreading retries over [0, delay]); the cap applies before jitter, so a delay never exceeds it.
 */

import type { RetryPolicy } from '../protocol/queues.js'

export function baseDelay(policy: RetryPolicy, attempt: number): number {
  const n = Math.max(1, attempt)
  let delay: number
  switch (policy.strategy) {
    case 'fixed':
      delay = policy.delayMs
      break
    case 'linear':
      delay = policy.delayMs + (n - 1) * (policy.incrementMs ?? policy.delayMs)
      break
    case 'exponential':
      delay = policy.delayMs * (policy.factor ?? 2) ** (n - 1)
      break
    case 'schedule':
      delay = policy.delaysMs[Math.min(n, policy.delaysMs.length) - 1] ?? 0
      break
  }
  return Math.min(delay, policy.maxDelayMs ?? MAX_DELAY_MS)
}

/** No redelivery waits longer than a week, whatever the policy computes. */
const MAX_DELAY_MS = 7 * 24 * 3_600_000

/** The delay before redelivery after `attempt` failures; `random` in [0, 1). */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const delay = baseDelay(policy, attempt)
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? 0))
  return Math.round(delay - random() * jitter * delay)
}

/** Whether a record that has failed `attempts` times has used up its policy. */
export function exhausted(policy: RetryPolicy, attempts: number): boolean {
  return attempts >= policy.maxAttempts
}
