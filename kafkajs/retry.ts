/**
 * kafkajs's retrier (`src/retry/index.js`) over Kafdo's one backoff (`src/core/backoff.ts`). kafkajs waits
 * `initialRetryTime`, then each wait `multiplier` times the last, each randomised by ±`factor` and capped
 * at `maxRetryTime`, for `retries` retries; as an exponential policy that is a base of
 * `initialRetryTime * (1 + factor)` with a downward jitter of `2 * factor / (1 + factor)`, which spreads
 * each wait over the same [1 - factor, 1 + factor] band. An error is retried when it is retriable: Kafdo's
 * errors as their code's `retriable` says, others as kafkajs decides (unless marked `retriable: false`).
 * Once retries are used up the error comes wrapped in KafkaJSNumberOfRetriesExceeded; a non-retriable
 * one comes as it is.
 */
import { retryDelay } from '../src/core/backoff.js'
import type { RetryPolicy } from '../src/protocol/queues.js'
import { KafkaJSNumberOfRetriesExceeded } from './errors.js'
import { kafkaJSError } from './from-kafdo.js'
import type { RetryOptions } from './types/common.js'

export const RETRY_DEFAULTS = { maxRetryTime: 30_000, initialRetryTime: 300, factor: 0.2, multiplier: 2, retries: 5 } as const

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const { maxRetryTime, initialRetryTime, factor, multiplier, retries } = { ...RETRY_DEFAULTS, ...definedOnly(options) }
  const spread = Math.min(Math.max(factor, 0), 1)
  return {
    strategy: 'exponential',
    delayMs: initialRetryTime * (1 + spread),
    factor: multiplier,
    maxDelayMs: maxRetryTime,
    jitter: (2 * spread) / (1 + spread),
    // maxAttempts counts the first try; MAX_SAFE_INTEGER retries (an idempotent producer's) stays finite.
    maxAttempts: Math.min(retries, Number.MAX_SAFE_INTEGER - 1) + 1,
  }
}

const UNRECOVERABLE = ['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError']

/** kafkajs's rule: retriable unless it says otherwise, and never a programming error. */
export function isRetriable(error: unknown): boolean {
  if (!(error instanceof Error)) return true
  return (error as { retriable?: unknown }).retriable !== false && !UNRECOVERABLE.includes(error.name)
}

export type Bail = (error: unknown) => never

class Bailed {
  constructor(readonly error: unknown) {}
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs `operation` until it succeeds, bails, throws a non-retriable error or uses up the retries.
 * `deadline`, when given, stops retrying once the next wait would pass it (a Worker's time budget).
 */
export async function retrying<T>(
  options: RetryOptions,
  operation: (bail: Bail, retryCount: number, retryTime: number) => Promise<T>,
  { broker, deadline }: { broker?: string; deadline?: number } = {},
): Promise<T> {
  const policy = retryPolicy(options)
  let retryTime = retryDelay(policy, 1)
  for (let retryCount = 0; ; retryCount++) {
    try {
      return await operation(
        (error) => {
          throw new Bailed(error)
        },
        retryCount,
        retryTime,
      )
    } catch (caught) {
      if (caught instanceof Bailed) throw kafkaJSError(caught.error, broker)
      const error = kafkaJSError(caught, broker)
      if (!isRetriable(error)) throw error
      const outOfTime = deadline !== undefined && Date.now() + retryTime > deadline
      if (retryCount + 1 >= policy.maxAttempts || outOfTime) throw new KafkaJSNumberOfRetriesExceeded(error, { retryCount, retryTime })
      await sleep(retryTime)
      retryTime = retryDelay(policy, retryCount + 2)
    }
  }
}

function definedOnly(options: RetryOptions): Partial<Record<keyof typeof RETRY_DEFAULTS, number>> {
  const out: Partial<Record<keyof typeof RETRY_DEFAULTS, number>> = {}
  for (const key of Object.keys(RETRY_DEFAULTS) as Array<keyof typeof RETRY_DEFAULTS>) {
    if (typeof options[key] === 'number') out[key] = options[key]
  }
  return out
}
