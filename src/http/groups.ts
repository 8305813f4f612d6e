/**
 * Consumer groups on `/consumer-groups/:groupId/...` (Kafka 4's consumer protocol): join, heartbeat,
 * fetch through the group, commit, leave, and the group's description and offsets. A heartbeat or commit
 * of the classic protocol (generationId, no memberEpoch) is refused with UNSUPPORTED_VERSION naming the
 * upgrade, rather than with a generic 400.
 */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { KafdoError } from '../protocol/errors.js'
import {
  commitRequestSchema,
  groupFetchRequestSchema,
  groupIdSchema,
  heartbeatRequestSchema,
  isLegacyGroupRequest,
  joinGroupRequestSchema,
  leaveRequestSchema,
  LEGACY_PROTOCOL_MESSAGE,
} from '../protocol/groups.js'
import { check } from '../protocol/validation.js'
import { groupFetch } from '../services/group-fetch.js'
import { commitOffsets, committedOffsets, describeGroup, heartbeat, joinGroup, leaveGroup } from '../services/groups.js'
import { renderFetchResponse } from '../services/read.js'
import { authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { jsonBody, param } from './validate.js'

export const groupRoutes = new Hono<AppEnv>()

/** A member's request body, refused as the classic protocol's when it is one. */
async function memberBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const body = await jsonBody(c, z.unknown())
  if (isLegacyGroupRequest(body)) throw new KafdoError('UNSUPPORTED_VERSION', LEGACY_PROTOCOL_MESSAGE)
  return check(schema, body, { source: 'body' })
}

groupRoutes.post('/:groupId/join', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  const request = await jsonBody(c, joinGroupRequestSchema)
  // A pattern can match any topic, so it needs consume on all of them.
  for (const topic of request.topics ?? ['*']) await authorize(c, 'consume', topic)
  return c.json(await joinGroup(c.env, c.get('tenant'), groupId, request))
})

groupRoutes.post('/:groupId/heartbeat', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  const request = await memberBody(c, heartbeatRequestSchema)
  // A new subscription needs what a join with it needs.
  if (request.topics || request.pattern !== undefined) for (const topic of request.topics ?? ['*']) await authorize(c, 'consume', topic)
  else await authorize(c, 'consume')
  return c.json(await heartbeat(c.env, c.get('tenant'), groupId, request))
})

groupRoutes.post('/:groupId/fetch', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  const request = await memberBody(c, groupFetchRequestSchema)
  for (const topic of new Set(request.partitions.map((p) => p.topic))) await authorize(c, 'consume', topic)
  const reads = await groupFetch(c.env, c.get('tenant'), groupId, request)
  // The records are spliced in as the partitions stored them, unparsed.
  return c.body(`{"partitions":[${reads.map(renderFetchResponse).join(',')}]}`, 200, { 'content-type': 'application/json' })
})

groupRoutes.post('/:groupId/commit', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  const request = await memberBody(c, commitRequestSchema)
  for (const topic of new Set(request.offsets.map((o) => o.topic))) await authorize(c, 'consume', topic)
  return c.json(await commitOffsets(c.env, c.get('tenant'), groupId, request))
})

groupRoutes.post('/:groupId/leave', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'consume')
  const request = await jsonBody(c, leaveRequestSchema)
  await leaveGroup(c.env, c.get('tenant'), groupId, request)
  return c.json({ groupId, memberId: request.memberId, left: true })
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
