/**
 * Which topic a partition object serves. The object is created lazily: on its first call it confirms with
 * its tenant's metadata object that its topic id and partition exist (or takes the settings that object
 * pushes), and stores the topic config it then enforces. Later changes are pushed to it with a version,
 * and a push older than the settings held (a late arrival) is ignored; the object never asks back while
 * the metadata object waits on it.
 */
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import type { PartitionRef } from '../protocol/partition-rpc.js'
import type { TopicConfigPush } from '../protocol/topics.js'
import { metadataStub } from './object-calls.js'
import type { OpenPartitionLog, PartitionLog } from './partition-log.js'

/** Where the version of the topic settings this partition holds is kept. */
const CONFIG_VERSION_KEY = 'config-version'

export interface PartitionTopicHost {
  readonly storage: DurableObjectStorage
  readonly env: KafdoEnv
  readonly log: PartitionLog
  /** The topic was deleted (and the object wiped): it answers UNKNOWN_TOPIC_OR_PARTITION for good. */
  isDestroyed(): boolean
}

/** The partition's open log, initialising the object on first use after checking its topic exists. */
export async function readyPartition(host: PartitionTopicHost, ref: PartitionRef, pushed?: TopicConfigPush): Promise<Result<OpenPartitionLog>> {
  if (host.isDestroyed()) return fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${ref.topic}' does not exist`)
  const log = host.log
  if (log.isOpen()) {
    return log.meta.topicId === ref.topicId && log.meta.partition === ref.partition
      ? ok(log)
      : fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${ref.topic}' does not exist`)
  }
  // Settings pushed by the metadata object are taken as they come; otherwise asked for once.
  const config = pushed ?? (await metadataStub(host.env, ref.tenant).topicConfig(ref.tenant, ref.topicId))
  const topic = config?.topic
  // The topic may have been deleted (and this object wiped) while we asked.
  if (host.isDestroyed() || !topic || topic.topicId !== ref.topicId || topic.topic !== ref.topic || ref.partition >= topic.partitions) {
    return fail('UNKNOWN_TOPIC_OR_PARTITION', `partition ${ref.partition} of topic '${ref.topic}' does not exist`)
  }
  // Another call may have opened it while we asked.
  if (log.isOpen()) return ok(log)
  const opened = log.initialize({ ...ref, config: topic.config, queue: topic.queue, logStartOffset: 0 }, Date.now())
  host.storage.kv.put(CONFIG_VERSION_KEY, config.version)
  return ok(opened)
}

/** Takes pushed settings newer than those held; false for a late arrival, which changes nothing. */
export function takePushedConfig(host: PartitionTopicHost, log: OpenPartitionLog, push: TopicConfigPush): boolean {
  if (push.version <= (host.storage.kv.get<number>(CONFIG_VERSION_KEY) ?? 0)) return false
  log.applyConfig(push.topic.config, push.topic.queue)
  host.storage.kv.put(CONFIG_VERSION_KEY, push.version)
  return true
}
