/** Bounded retries with exponential backoff for retriable KafdoErrors (kafkajs's retrier, simplified). */
import { KafdoError } from '../protocol/errors.js'

export async function withRetries<T>(retries: number, operation: () => Promise<T>, initialDelayMs = 100): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation()
    } catch (err) {
      if (attempt >= retries || !(err instanceof KafdoError) || !err.retriable) throw err
      const delay = initialDelayMs * 2 ** attempt
      await new Promise((resolve) => setTimeout(resolve, delay * (0.8 + Math.random() * 0.4)))
    }
  }
}
