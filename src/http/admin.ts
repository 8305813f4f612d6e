/** Topic and group administration on `/admin/...`, as the Kafdo README lists it. */
import { Hono } from 'hono'
import { createPartitionsRequestSchema, createTopicRequestSchema, topicNameSchema } from '../protocol/topics.js'
import { groupIdSchema, resetOffsetsRequestSchema } from '../protocol/groups.js'
import { deleteGroup, describeGroup, listGroups, resetOffsets } from '../services/groups.js'
import { topicOffsets } from '../services/read.js'
import { createPartitions, createTopic, deleteTopic, describeTopic, listTopics } from '../services/topics.js'
import type { AppEnv } from './context.js'
import { jsonBody, param } from './validate.js'

export const adminRoutes = new Hono<AppEnv>()

adminRoutes.get('/topics', async (c) => c.json({ topics: await listTopics(c.env, c.get('tenant')) }))

adminRoutes.post('/topics', async (c) => {
  const request = await jsonBody(c, createTopicRequestSchema)
  return c.json(await createTopic(c.env, c.get('tenant'), request), 201)
})

adminRoutes.get('/topics/:topic', async (c) => c.json(await describeTopic(c.env, c.get('tenant'), param(c, 'topic', topicNameSchema))))

adminRoutes.delete('/topics/:topic', async (c) => {
  const topic = await deleteTopic(c.env, c.get('tenant'), param(c, 'topic', topicNameSchema))
  return c.json({ ...topic, deleted: true })
})

adminRoutes.post('/topics/:topic/partitions', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  const { count } = await jsonBody(c, createPartitionsRequestSchema)
  return c.json(await createPartitions(c.env, c.get('tenant'), topic, count))
})

adminRoutes.get('/topics/:topic/offsets', async (c) => c.json(await topicOffsets(c.env, c.get('tenant'), param(c, 'topic', topicNameSchema))))

adminRoutes.get('/groups', async (c) => c.json({ groups: await listGroups(c.env, c.get('tenant')) }))

adminRoutes.get('/groups/:groupId', async (c) => c.json(await describeGroup(c.env, c.get('tenant'), param(c, 'groupId', groupIdSchema))))

adminRoutes.post('/groups/:groupId/reset-offsets', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  const offsets = await resetOffsets(c.env, c.get('tenant'), groupId, await jsonBody(c, resetOffsetsRequestSchema))
  return c.json({ groupId, offsets })
})

adminRoutes.delete('/groups/:groupId', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await deleteGroup(c.env, c.get('tenant'), groupId)
  return c.json({ groupId, deleted: true })
})
