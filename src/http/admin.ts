/** Topic and group administration on `/admin/...`, as the Kafdo README lists it. */
import { Hono } from 'hono'
import { z } from 'zod'
import { groupIdSchema, resetOffsetsRequestSchema } from '../protocol/groups.js'
import {
  alterTopicConfigRequestSchema,
  createPartitionsRequestSchema,
  createTopicRequestSchema,
  deleteRecordsRequestSchema,
  isInternalTopic,
  topicNameSchema,
} from '../protocol/topics.js'
import { deleteGroup, describeGroup, listGroups, resetOffsets } from '../services/groups.js'
import { topicOffsets } from '../services/read.js'
import { alterTopicConfig, createPartitions, createTopic, deleteRecords, deleteTopic, describeTopic, listTopics } from '../services/topics.js'
import { audited, authorize, visible } from './authorize.js'
import type { AppEnv } from './context.js'
import { jsonBody, param, query } from './validate.js'

export const adminRoutes = new Hono<AppEnv>()

const dryRunQuery = z.strictObject({ dryRun: z.enum(['true', 'false']).optional() })

adminRoutes.get('/topics', async (c) => {
  await authorize(c, 'topic:read')
  return c.json({ topics: visible(c, 'topic:read', await listTopics(c.env, c.get('tenant')), (t) => t.topic) })
})

adminRoutes.post('/topics', async (c) => {
  const dryRun = query(c, dryRunQuery).dryRun === 'true'
  const request = await jsonBody(c, createTopicRequestSchema)
  await authorize(c, 'topic:create', request.topic)
  const topic = await createTopic(c.env, c.get('tenant'), request, dryRun)
  if (dryRun) return c.json({ ...topic, dryRun: true })
  await audited(c, 'topic:create', topic.topic, { partitions: topic.partitions, config: request.config ?? {} })
  return c.json(topic, 201)
})

adminRoutes.get('/topics/:topic', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  await authorize(c, 'topic:read', topic)
  return c.json(await describeTopic(c.env, c.get('tenant'), topic))
})

adminRoutes.delete('/topics/:topic', async (c) => {
  const name = param(c, 'topic', topicNameSchema)
  await authorize(c, 'topic:delete', name)
  const topic = await deleteTopic(c.env, c.get('tenant'), name)
  await audited(c, 'topic:delete', name)
  return c.json({ ...topic, deleted: true })
})

adminRoutes.post('/topics/:topic/partitions', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  const dryRun = query(c, dryRunQuery).dryRun === 'true'
  await authorize(c, 'topic:config', topic)
  const { count } = await jsonBody(c, createPartitionsRequestSchema)
  const result = await createPartitions(c.env, c.get('tenant'), topic, count, dryRun)
  if (dryRun) return c.json({ ...result, dryRun: true })
  await audited(c, 'topic:config', topic, { partitions: count })
  return c.json(result)
})

// Kafka's DeleteRecords, which Kafka authorizes as a DELETE on the topic.
adminRoutes.post('/topics/:topic/delete-records', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  await authorize(c, 'topic:delete', topic)
  const request = await jsonBody(c, deleteRecordsRequestSchema)
  const result = await deleteRecords(c.env, c.get('tenant'), topic, request)
  await audited(c, 'topic:delete-records', topic, { partitions: request.partitions })
  return c.json(result)
})

adminRoutes.patch('/topics/:topic/config', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  const dryRun = query(c, dryRunQuery).dryRun === 'true'
  // Internal topics (the audit trail) are the platform's: a tenant's admin may read them, not change them.
  if (isInternalTopic(topic)) await authorize(c, 'platform:admin')
  else await authorize(c, 'topic:config', topic)
  const request = await jsonBody(c, alterTopicConfigRequestSchema)
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

adminRoutes.get('/topics/:topic/offsets', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  await authorize(c, 'topic:read', topic)
  return c.json(await topicOffsets(c.env, c.get('tenant'), topic))
})

adminRoutes.get('/groups', async (c) => {
  await authorize(c, 'group:read')
  return c.json({ groups: visible(c, 'group:read', await listGroups(c.env, c.get('tenant')), (g) => g.groupId) })
})

adminRoutes.get('/groups/:groupId', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'group:read', groupId)
  return c.json(await describeGroup(c.env, c.get('tenant'), groupId))
})

adminRoutes.post('/groups/:groupId/reset-offsets', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'group:admin', groupId)
  const request = await jsonBody(c, resetOffsetsRequestSchema)
  const offsets = await resetOffsets(c.env, c.get('tenant'), groupId, request)
  await audited(c, 'group:reset-offsets', groupId, { topic: request.topic })
  return c.json({ groupId, offsets })
})

adminRoutes.delete('/groups/:groupId', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'group:admin', groupId)
  await deleteGroup(c.env, c.get('tenant'), groupId)
  await audited(c, 'group:delete', groupId)
  return c.json({ groupId, deleted: true })
})
