/**
 * How a batch reaches the user's handler, as kafkajs's runner hands it over (`processEachMessage`,
 * `processEachBatch`): `eachMessage` message by message, stopping when the consumer stops, the batch goes
 * stale or the partition is paused, resolving and committing (by interval or threshold) after each;
 * `eachBatch` with kafkajs's payload. A handler's failure commits what was resolved, then propagates.
 */
import type { Batch } from './batch.js'
import type { CommitLog } from './commit-log.js'
import { isKafkaJSError } from './errors.js'
import type { Logger, TopicPartition } from './types/common.js'
import type { ConsumerRunConfig, EachBatchHandler, EachMessageHandler } from './types/consumer.js'

export interface HandlerContext {
  run(): Pick<ConsumerRunConfig, 'eachBatchAutoResolve'>
  logger(): Logger
  commits(): CommitLog
  isPaused(tp: TopicPartition): boolean
  isRunning(): boolean
  isStale(tp: TopicPartition): boolean
  /** Pauses the partition; the answer resumes it. */
  pause(tp: TopicPartition): () => void
}

/** Heartbeats run in the background; a handler's `heartbeat()` has nothing left to do. */
const heartbeat = async (): Promise<void> => {}

export async function eachMessage(context: HandlerContext, batch: Batch, handler: EachMessageHandler): Promise<void> {
  const { topic, partition } = batch
  const commits = context.commits()
  for (const message of batch.messages) {
    if (!context.isRunning() || context.isStale(batch)) break
    try {
      await handler({ topic, partition, message, heartbeat, pause: () => context.pause(batch) })
    } catch (err) {
      failed(context, 'eachMessage', batch, message.offset, err)
      await commits.autoCommit()
      throw err
    }
    commits.offsets.resolve(batch, message.offset)
    await commits.autoCommitIfNecessary()
    if (context.isPaused(batch)) break
  }
}

export async function eachBatch(context: HandlerContext, batch: Batch, handler: EachBatchHandler): Promise<void> {
  const commits = context.commits()
  try {
    await handler({
      batch,
      resolveOffset: (offset) => commits.offsets.resolve(batch, offset),
      heartbeat,
      pause: () => context.pause(batch),
      commitOffsetsIfNecessary: async (offsets) => (offsets ? commits.commit(offsets) : commits.commitIfNecessary()),
      uncommittedOffsets: () => commits.offsets.uncommitted(),
      isRunning: () => context.isRunning(),
      isStale: () => context.isStale(batch),
    })
  } catch (err) {
    failed(context, 'eachBatch', batch, batch.firstOffset(), err)
    await commits.autoCommit()
    throw err
  }
  if (context.run().eachBatchAutoResolve) commits.offsets.resolve(batch, batch.lastOffset())
}

/** kafkajs logs a handler's own errors (its own KafkaJS errors it leaves to the crash report). */
function failed(context: HandlerContext, handler: string, tp: TopicPartition, offset: string | null, err: unknown): void {
  if (isKafkaJSError(err)) return
  context.logger().error(`Error when calling ${handler}`, {
    topic: tp.topic,
    partition: tp.partition,
    offset,
    stack: err instanceof Error ? err.stack : undefined,
    error: err,
  })
}
