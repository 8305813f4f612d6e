/**
 * Consumer groups on `/consumer-groups/:groupId/...` (Kafka 4's consumer protocol): join, heartbeat,
 * fetch through the group, commit, leave, and the group's description and offsets. A heartbeat or commit
 * of the classic protocol (generationId, no memberEpoch) is refused with UNSUPPORTED_VERSION naming the
 * upgrade, rather than with a generic 400.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { z } from 'zod'
import { joinPages } from '../core/fetch-page.js'
import { KafdoError } from '../protocol/errors.js'
import { isLegacyGroupRequest, LEGACY_PROTOCOL_MESSAGE } from '../protocol/groups.js'
import { check } from '../protocol/validation.js'
import { groupFetch } from '../services/group-fetch.js'
import { commitOffsets, committedOffsets, describeGroup, heartbeat, joinGroup, leaveGroup } from '../services/groups.js'
import { authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import * as routes from './routes/groups.js'
import { body, param, rawJsonBody } from './validate.js'

export const groupRoutes = new OpenAPIHono<AppEnv>()

/** A member's request body, refused as the classic protocol's when it is one. */
async function memberBody<B extends z.ZodType>(c: Context<AppEnv>, route: { body?: B }): Promise<z.output<B>> {
  const raw = await rawJsonBody(c)
  if (isLegacyGroupRequest(raw)) throw new KafdoError('UNSUPPORTED_VERSION', LEGACY_PROTOCOL_MESSAGE)
  return check(route.body!, raw, { source: 'body' })
}

serve(groupRoutes, routes.join, async (c) => {
  const groupId = param(c, routes.join, 'groupId')
  const request = await body(c, routes.join)
  // A pattern can match any topic, so it needs consume on all of them.
  for (const topic of request.topics ?? ['*']) await authorize(c, 'consume', topic)
  return c.json(await joinGroup(c.env, c.get('tenant'), groupId, request))
})

serve(groupRoutes, routes.heartbeat, async (c) => {
  const groupId = param(c, routes.heartbeat, 'groupId')
  const request = await memberBody(c, routes.heartbeat)
  // A new subscription needs what a join with it needs.
  if (request.topics || request.pattern !== undefined) for (const topic of request.topics ?? ['*']) await authorize(c, 'consume', topic)
  else await authorize(c, 'consume')
  return c.json(await heartbeat(c.env, c.get('tenant'), groupId, request))
})

serve(groupRoutes, routes.fetchThroughGroup, async (c) => {
  const groupId = param(c, routes.fetchThroughGroup, 'groupId')
  const request = await memberBody(c, routes.fetchThroughGroup)
  for (const topic of new Set(request.partitions.map((p) => p.topic))) await authorize(c, 'consume', topic)
  const reads = await groupFetch(c.env, c.get('tenant'), groupId, request)
  // Each partition's answer is spliced in as the partition assembled it, unparsed.
  return c.body(joinPages(reads.map((read) => read.page)), 200, { 'content-type': 'application/json' })
})

serve(groupRoutes, routes.commit, async (c) => {
  const groupId = param(c, routes.commit, 'groupId')
  const request = await memberBody(c, routes.commit)
  for (const topic of new Set(request.offsets.map((o) => o.topic))) await authorize(c, 'consume', topic)
  return c.json(await commitOffsets(c.env, c.get('tenant'), groupId, request))
})

serve(groupRoutes, routes.leave, async (c) => {
  const groupId = param(c, routes.leave, 'groupId')
  await authorize(c, 'consume')
  const request = await body(c, routes.leave)
  await leaveGroup(c.env, c.get('tenant'), groupId, request)
  return c.json({ groupId, memberId: request.memberId, left: true })
})

serve(groupRoutes, routes.describe, async (c) => {
  const groupId = param(c, routes.describe, 'groupId')
  await authorize(c, 'group:read', groupId)
  return c.json(await describeGroup(c.env, c.get('tenant'), groupId))
})

serve(groupRoutes, routes.offsets, async (c) => {
  const groupId = param(c, routes.offsets, 'groupId')
  await authorize(c, 'group:read', groupId)
  return c.json({ groupId, offsets: await committedOffsets(c.env, c.get('tenant'), groupId) })
})
