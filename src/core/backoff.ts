/**
 * The one backoff: redelivery delays for a queue's retry policy, and the waits between retries of a
 * request (REQUEST_RETRY: the in-Worker APIs, kafdo/client, the integrations; kafdo/kafkajs maps kafkajs's
 * retry options onto a policy). `attempt` counts failures so far (1 after the first). Jitter subtracts up
 * to `jitter` of the delay at random (1 gives AWS's "full jitter", spreading retries over [0, delay]); the
 * cap applies before jitter, so a delay never exceeds it. Whether to retry at all is the error table's
 * `retriable` flag (protocol/errors.ts), everywhere.
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

/** Retries of a request: 100 ms, doubling, at most 5 s, less up to half at random. */
export const REQUEST_RETRY = {
  strategy: 'exponential',
  delayMs: 100,
  factor: 2,
  maxDelayMs: 5_000,
  jitter: 0.5,
  maxAttempts: Number.MAX_SAFE_INTEGER,
} as const satisfies RetryPolicy

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
