/** Bounded retries of retriable KafdoErrors (the error table decides), waiting by the one backoff (core/backoff.ts). */
import { REQUEST_RETRY, retryDelay } from '../core/backoff.js'
import { KafdoError } from '../protocol/errors.js'

export async function withRetries<T>(retries: number, operation: () => Promise<T>, initialDelayMs = 100): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation()
    } catch (err) {
      if (attempt >= retries || !(err instanceof KafdoError) || !err.retriable) throw err
      await new Promise((resolve) => setTimeout(resolve, retryDelay({ ...REQUEST_RETRY, delayMs: initialDelayMs }, attempt + 1)))
    }
  }
}
