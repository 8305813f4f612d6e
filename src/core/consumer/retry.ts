/**
 * The consumer's one retry rule: an error is retried only when the error table marks its code
 * `retriable` (kafkajs's retrier does the same), a few times, with the backoff of `core/backoff.ts`.
 */
import { KafdoError } from '../../protocol/errors.js'
import type { RetryPolicy } from '../../protocol/queues.js'
import { exhausted, retryDelay } from '../backoff.js'

export const CONSUMER_RETRY: RetryPolicy = { strategy: 'exponential', delayMs: 100, factor: 2, maxDelayMs: 2_000, jitter: 0.5, maxAttempts: 4 }

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Retries `operation` by `policy`; once `signal` aborts (the caller gave up), a failure is not retried. */
export async function retrying<T>(operation: () => Promise<T>, policy: RetryPolicy = CONSUMER_RETRY, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation()
    } catch (err) {
      if (!(err instanceof KafdoError) || !err.retriable || exhausted(policy, attempt) || signal?.aborted) throw err
      await sleep(retryDelay(policy, attempt))
      if (signal?.aborted) throw err
    }
  }
}

/** Whether `err` is a KafdoError with one of `codes`. */
export function hasCode(err: unknown, ...codes: string[]): err is KafdoError {
  return err instanceof KafdoError && codes.includes(err.code)
}
