/** Consumer group membership and offsets on `/consumer-groups/:groupId/...`, as the Kafdo README lists them. */
import { Hono } from 'hono'
import { commitRequestSchema, groupIdSchema, heartbeatRequestSchema, joinGroupRequestSchema, leaveRequestSchema } from '../protocol/groups.js'
import { commitOffsets, committedOffsets, describeGroup, heartbeat, joinGroup, leaveGroup } from '../services/groups.js'
import { authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { jsonBody, param } from './validate.js'

export const groupRoutes = new Hono<AppEnv>()

groupRoutes.post('/:groupId/join', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  const request = await jsonBody(c, joinGroupRequestSchema)
  // A pattern can match any topic, so it needs consume on all of them.
  for (const topic of request.topics ?? ['*']) await authorize(c, 'consume', topic)
  return c.json(await joinGroup(c.env, c.get('tenant'), groupId, request))
})

groupRoutes.post('/:groupId/heartbeat', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'consume')
  return c.json(await heartbeat(c.env, c.get('tenant'), groupId, await jsonBody(c, heartbeatRequestSchema)))
})

groupRoutes.post('/:groupId/commit', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  const request = await jsonBody(c, commitRequestSchema)
  for (const topic of new Set(request.offsets.map((o) => o.topic))) await authorize(c, 'consume', topic)
  return c.json(await commitOffsets(c.env, c.get('tenant'), groupId, request))
})

groupRoutes.post('/:groupId/leave', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'consume')
  const { memberId } = await jsonBody(c, leaveRequestSchema)
  await leaveGroup(c.env, c.get('tenant'), groupId, memberId)
  return c.json({ groupId, memberId, left: true })
})

groupRoutes.get('/:groupId', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'group:read', groupId)
  return c.json(await describeGroup(c.env, c.get('tenant'), groupId))
})

groupRoutes.get('/:groupId/offsets', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'group:read', groupId)
  return c.json({ groupId, offsets: await committedOffsets(c.env, c.get('tenant'), groupId) })
})
