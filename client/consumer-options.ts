/**
 * What `client.consumer(options)` and `poll(options)` take: the consumer options the in-Worker consumer
 * takes too (`src/protocol/consumer-options.ts`, one schema, the same defaults), plus the subscription,
 * checked the same way: a bad option is `KafdoError('INVALID_REQUEST')`.
 */
import {
  check,
  consumerOptionsSchema,
  pollOptionsSchema,
  type CheckedConsumerOptions,
  type ConsumerOptionsInput,
  type PollOptions,
} from '../src/protocol/index.js'

export type ConsumerOptions = ConsumerOptionsInput
export type { PollOptions }

/** A consumer without topics or a pattern can still read partitions (`fetch`); it cannot join its group. */
export function checkConsumerOptions(options: ConsumerOptions): CheckedConsumerOptions {
  return check(consumerOptionsSchema, options)
}

export function checkPollOptions(options: PollOptions, maxPollRecords: number): { maxRecords: number; maxWaitMs: number } {
  const { maxRecords = maxPollRecords, maxWaitMs = 0 } = check(pollOptionsSchema, options ?? {}, { at: ['poll'] })
  return { maxRecords, maxWaitMs }
}
