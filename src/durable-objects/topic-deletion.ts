/**
 * What deleting a topic leaves to clean up, for ClusterMetadataDO: the storage of its partition objects,
 * and the committed offsets every consumer group of the tenant kept for it (Kafka's group coordinator
 * drops a deleted partition's offsets too, so a topic created again under the name starts with none).
 * Both are recorded when the topic is deleted and forgotten only once done, so an object that does not
 * answer is tried again by the purge timer, and before the name is used again.
 */
import type { KafdoEnv } from '../env.js'
import type { TopicsSnapshot } from '../protocol/topics.js'
import type { MetadataStore } from '../storage/metadata-store.js'
import { groupStub, partitionStub } from './object-calls.js'

/** The tenant's topics now, pushed to each group with the deletion (so it never has to ask back). */
export type SnapshotOf = (tenant: string) => TopicsSnapshot

/** Tries every clean-up still recorded for the deleted topic `topicId`; true once none is left. */
export async function purgeDeletedTopic(env: KafdoEnv, store: MetadataStore, topicId: string, snapshotOf: SnapshotOf): Promise<boolean> {
  await Promise.all([destroyPartitions(env, store, topicId), purgeGroupOffsets(env, store, topicId, snapshotOf)])
  return store.deletedTopic(topicId) === undefined && store.offsetPurges(topicId).length === 0
}

/**
 * Before `name` is used again: tries once more every deleted topic of that name whose offsets a group
 * still holds. Answers which of them are now fully cleaned up and how many groups still hold offsets.
 */
export async function purgeBeforeReuse(
  env: KafdoEnv,
  store: MetadataStore,
  tenant: string,
  name: string,
  snapshotOf: SnapshotOf,
): Promise<{ purged: string[]; groups: number }> {
  const purged: string[] = []
  for (const topicId of store.pendingOffsetPurges(tenant, name)) if (await purgeDeletedTopic(env, store, topicId, snapshotOf)) purged.push(topicId)
  const groups = store.pendingOffsetPurges(tenant, name).reduce((sum, topicId) => sum + store.offsetPurges(topicId).length, 0)
  return { purged, groups }
}

async function destroyPartitions(env: KafdoEnv, store: MetadataStore, topicId: string): Promise<void> {
  const topic = store.deletedTopic(topicId)
  if (!topic) return
  const results = await Promise.allSettled(
    Array.from({ length: topic.partitions }, (_, partition) =>
      partitionStub(env, { tenant: topic.tenant, topic: topic.name, topicId, partition }).destroy(),
    ),
  )
  if (results.every((result) => result.status === 'fulfilled')) store.forgetDeleted(topicId)
}

async function purgeGroupOffsets(env: KafdoEnv, store: MetadataStore, topicId: string, snapshotOf: SnapshotOf): Promise<void> {
  await Promise.allSettled(
    store.offsetPurges(topicId).map(async ({ tenant, topic, groupId }) => {
      await groupStub(env, tenant, groupId).topicDeleted(topic, snapshotOf(tenant))
      store.forgetOffsetPurge(topicId, groupId)
    }),
  )
}
