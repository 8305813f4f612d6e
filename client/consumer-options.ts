/**
 * What `client.consumer(options)` and `poll(options)` take: the consumer options the in-Worker consumer
 * takes too (`src/protocol/consumer-options.ts`, one schema, the same defaults), plus the subscription,
 * checked the same way: a bad option is `KafdoError('INVALID_REQUEST')`.
 */
import {
  check,
  consumerOptionsSchema,
  KafdoError,
  pollOptionsSchema,
  type CheckedConsumerOptions,
  type ConsumerOptionsInput,
  type PollOptions,
} from '../src/protocol/index.js'

export type ConsumerOptions = ConsumerOptionsInput
export type { PollOptions }

export function checkConsumerOptions(options: ConsumerOptions): CheckedConsumerOptions {
  const checked = check(consumerOptionsSchema, options)
  if (checked.topics === undefined && checked.pattern === undefined) {
    throw new KafdoError('INVALID_REQUEST', 'give topics or a pattern to subscribe to', { issues: [{ path: 'topics', message: 'give topics or a pattern' }] })
  }
  return checked
}

export function checkPollOptions(options: PollOptions, maxPollRecords: number): { maxRecords: number; maxWaitMs: number } {
  const { maxRecords = maxPollRecords, maxWaitMs = 0 } = check(pollOptionsSchema, options ?? {}, { at: ['poll'] })
  return { maxRecords, maxWaitMs }
}
