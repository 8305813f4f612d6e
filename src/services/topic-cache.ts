/**
 * Topic metadata cached in the Worker isolate, so produce and fetch go straight to the partition object
 * without asking the tenant's metadata object (ClusterMetadataDO) each time. Entries live for a few seconds; a partition object that
 * answers UNKNOWN_TOPIC_OR_PARTITION (topic deleted or recreated) makes callers drop the entry and look
 * again. Missing topics are not cached, so a topic created elsewhere is visible at once.
 */
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import type { TopicMetadata } from '../protocol/topics.js'
import { attempt, metadataStub } from './stubs.js'

export const TOPIC_CACHE_TTL_MS = 5_000

const cache = new Map<string, { topic: TopicMetadata; expiresAt: number }>()

const cacheKey = (tenant: string, name: string) => `${tenant}/${name}`

export async function findTopic(env: KafdoBindings, tenant: string, name: string, fresh = false): Promise<TopicMetadata | undefined> {
  const key = cacheKey(tenant, name)
  const hit = cache.get(key)
  if (!fresh && hit && hit.expiresAt > Date.now()) return hit.topic
  const topic = await attempt(() => metadataStub(env, tenant).topic(tenant, name))
  if (topic) cache.set(key, { topic, expiresAt: Date.now() + TOPIC_CACHE_TTL_MS })
  else cache.delete(key)
  return topic ?? undefined
}

export async function requireTopic(env: KafdoBindings, tenant: string, name: string, fresh = false): Promise<TopicMetadata> {
  const topic = await findTopic(env, tenant, name, fresh)
  if (!topic) throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`, { topic: name })
  return topic
}

export function rememberTopic(tenant: string, topic: TopicMetadata): void {
  cache.set(cacheKey(tenant, topic.topic), { topic, expiresAt: Date.now() + TOPIC_CACHE_TTL_MS })
}

export function forgetTopic(tenant: string, name: string): void {
  cache.delete(cacheKey(tenant, name))
}
