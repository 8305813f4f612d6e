/** Consumer group membership and offsets on `/consumer-groups/:groupId/...`, as the Kafdo README lists them. */
import { Hono } from 'hono'
import { commitRequestSchema, groupIdSchema, heartbeatRequestSchema, joinGroupRequestSchema, leaveRequestSchema } from '../protocol/groups.js'
import { commitOffsets, committedOffsets, describeGroup, heartbeat, joinGroup, leaveGroup } from '../services/groups.js'
import type { AppEnv } from './context.js'
import { jsonBody, param } from './validate.js'

export const groupRoutes = new Hono<AppEnv>()

groupRoutes.post('/:groupId/join', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  return c.json(await joinGroup(c.env, c.get('tenant'), groupId, await jsonBody(c, joinGroupRequestSchema)))
})

groupRoutes.post('/:groupId/heartbeat', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  return c.json(await heartbeat(c.env, c.get('tenant'), groupId, await jsonBody(c, heartbeatRequestSchema)))
})

groupRoutes.post('/:groupId/commit', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  return c.json(await commitOffsets(c.env, c.get('tenant'), groupId, await jsonBody(c, commitRequestSchema)))
})

groupRoutes.post('/:groupId/leave', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  const { memberId } = await jsonBody(c, leaveRequestSchema)
  await leaveGroup(c.env, c.get('tenant'), groupId, memberId)
  return c.json({ groupId, memberId, left: true })
})

groupRoutes.get('/:groupId', async (c) => c.json(await describeGroup(c.env, c.get('tenant'), param(c, 'groupId', groupIdSchema))))

groupRoutes.get('/:groupId/offsets', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  return c.json({ groupId, offsets: await committedOffsets(c.env, c.get('tenant'), groupId) })
})
