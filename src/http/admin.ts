/** Topic and group administration on `/admin/...`, as the Kafdo README lists it. */
import { OpenAPIHono } from '@hono/zod-openapi'
import { isInternalTopic } from '../protocol/topics.js'
import { deleteGroup, describeGroup, listGroups, resetOffsets } from '../services/groups.js'
import { topicOffsets } from '../services/read.js'
import { alterTopicConfig, createPartitions, createTopic, deleteRecords, deleteTopic, describeTopic, listTopics } from '../services/topics.js'
import { audited, authorize, visible } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import * as routes from './routes/admin.js'
import { body, param, query } from './validate.js'

export const adminRoutes = new OpenAPIHono<AppEnv>()

serve(adminRoutes, routes.listTopics, async (c) => {
  await authorize(c, 'topic:read')
  return c.json({ topics: visible(c, 'topic:read', await listTopics(c.env, c.get('tenant')), (t) => t.topic) })
})

serve(adminRoutes, routes.createTopic, async (c) => {
  const dryRun = query(c, routes.createTopic).dryRun === 'true'
  const request = await body(c, routes.createTopic)
  await authorize(c, 'topic:create', request.topic)
  const topic = await createTopic(c.env, c.get('tenant'), request, dryRun)
  if (dryRun) return c.json({ ...topic, dryRun: true as const })
  await audited(c, 'topic:create', topic.topic, { partitions: topic.partitions, config: request.config ?? {} })
  return c.json(topic, 201)
})

serve(adminRoutes, routes.describeTopic, async (c) => {
  const topic = param(c, routes.describeTopic, 'topic')
  await authorize(c, 'topic:read', topic)
  return c.json(await describeTopic(c.env, c.get('tenant'), topic))
})

serve(adminRoutes, routes.deleteTopic, async (c) => {
  const name = param(c, routes.deleteTopic, 'topic')
  await authorize(c, 'topic:delete', name)
  const topic = await deleteTopic(c.env, c.get('tenant'), name)
  await audited(c, 'topic:delete', name)
  return c.json({ ...topic, deleted: true })
})

serve(adminRoutes, routes.createPartitions, async (c) => {
  const topic = param(c, routes.createPartitions, 'topic')
  const dryRun = query(c, routes.createPartitions).dryRun === 'true'
  await authorize(c, 'topic:config', topic)
  const { count } = await body(c, routes.createPartitions)
  const result = await createPartitions(c.env, c.get('tenant'), topic, count, dryRun)
  if (dryRun) return c.json({ ...result, dryRun: true as const })
  await audited(c, 'topic:config', topic, { partitions: count })
  return c.json(result)
})

// Kafka's DeleteRecords, which Kafka authorizes as a DELETE on the topic.
serve(adminRoutes, routes.deleteRecords, async (c) => {
  const topic = param(c, routes.deleteRecords, 'topic')
  await authorize(c, 'topic:delete', topic)
  const request = await body(c, routes.deleteRecords)
  const result = await deleteRecords(c.env, c.get('tenant'), topic, request)
  await audited(c, 'topic:delete-records', topic, { partitions: request.partitions })
  return c.json(result)
})

serve(adminRoutes, routes.alterTopicConfig, async (c) => {
  const topic = param(c, routes.alterTopicConfig, 'topic')
  const dryRun = query(c, routes.alterTopicConfig).dryRun === 'true'
  // Internal topics (the audit trail) are the platform's: a tenant's admin may read them, not change them.
  if (isInternalTopic(topic)) await authorize(c, 'platform:admin')
  else await authorize(c, 'topic:config', topic)
  const request = await body(c, routes.alterTopicConfig)
  const result = await alterTopicConfig(c.env, c.get('tenant'), topic, request, dryRun)
  if (!dryRun) {
    await audited(c, 'topic:config', topic, {
      set: request.set ?? {},
      delete: request.delete ?? [],
      ...(request.health ? { health: request.health } : {}),
    })
  }
  return c.json(result)
})

serve(adminRoutes, routes.topicOffsets, async (c) => {
  const topic = param(c, routes.topicOffsets, 'topic')
  await authorize(c, 'topic:read', topic)
  return c.json(await topicOffsets(c.env, c.get('tenant'), topic))
})

serve(adminRoutes, routes.listGroups, async (c) => {
  await authorize(c, 'group:read')
  return c.json({ groups: visible(c, 'group:read', await listGroups(c.env, c.get('tenant')), (g) => g.groupId) })
})

serve(adminRoutes, routes.describeGroup, async (c) => {
  const groupId = param(c, routes.describeGroup, 'groupId')
  await authorize(c, 'group:read', groupId)
  return c.json(await describeGroup(c.env, c.get('tenant'), groupId))
})

serve(adminRoutes, routes.resetOffsets, async (c) => {
  const groupId = param(c, routes.resetOffsets, 'groupId')
  await authorize(c, 'group:admin', groupId)
  const request = await body(c, routes.resetOffsets)
  const offsets = await resetOffsets(c.env, c.get('tenant'), groupId, request)
  await audited(c, 'group:reset-offsets', groupId, { topic: request.topic })
  return c.json({ groupId, offsets })
})

serve(adminRoutes, routes.deleteGroup, async (c) => {
  const groupId = param(c, routes.deleteGroup, 'groupId')
  await authorize(c, 'group:admin', groupId)
  await deleteGroup(c.env, c.get('tenant'), groupId)
  await audited(c, 'group:delete', groupId)
  return c.json({ groupId, deleted: true })
})
