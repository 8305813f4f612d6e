/**
 * Tenant provisioning from topic templates (the service-layer seed's `createTenantTopics`) and tenant
 * deletion with all its data: topics and their partitions' storage, consumer groups and their offsets,
 * API keys, quotas and its audit trail.
 */
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import { DEFAULT_TENANT_TEMPLATES, type TenantTopicSet, type TopicTemplate } from '../protocol/tenants.js'
import { topicNameSchema } from '../protocol/topics.js'
import { attempt, call, directoryStub, groupStub, metadataStub } from './stubs.js'
import { forgetTopic } from './topic-cache.js'

/** Creates the tenant's topics from templates; topics that already exist are left as they are. */
export async function createTenantTopics(
  env: KafdoBindings,
  tenant: string,
  templates: TopicTemplate[] = DEFAULT_TENANT_TEMPLATES,
): Promise<TenantTopicSet> {
  const result: TenantTopicSet = { tenant, created: [], existing: [] }
  for (const template of templates) {
    const name = template.name.replaceAll('{tenant}', tenant)
    if (!topicNameSchema.safeParse(name).success) throw new KafdoError('INVALID_REQUEST', `template gives an invalid topic name '${name}'`, { name })
    try {
      await call(() =>
        metadataStub(env, tenant).createTopic(tenant, {
          topic: name,
          partitions: template.partitions,
          ...(template.config ? { config: template.config } : {}),
        }),
      )
      result.created.push(name)
    } catch (err) {
      if (!(err instanceof KafdoError) || err.code !== 'TOPIC_ALREADY_EXISTS') throw err
      result.existing.push(name)
    }
  }
  return result
}

export async function listTenants(env: KafdoBindings): Promise<string[]> {
  return attempt(() => directoryStub(env).listTenants())
}

/** Deletes everything the tenant has. Groups are wiped even if members are still connected. */
export async function deleteTenant(env: KafdoBindings, tenant: string): Promise<{ topics: string[]; groups: string[] }> {
  const deleted = await attempt(() => metadataStub(env, tenant).deleteTenant(tenant))
  for (const topic of deleted.topics) forgetTopic(tenant, topic)
  await Promise.all(deleted.groups.map((groupId) => attempt(() => groupStub(env, tenant, groupId).purge())))
  return deleted
}
