/** The queue view on `/queues/...` (Qafka's API): queue admin, messages, leases and the dead-letter queue. */
import { Hono } from 'hono'
import { z } from 'zod'
import {
  ackRequestSchema,
  createQueueRequestSchema,
  extendRequestSchema,
  listQueuesQuerySchema,
  nackRequestSchema,
  queueProduceRequestSchema,
  queueReadQuerySchema,
  receiveRequestSchema,
  redriveRequestSchema,
  rejectRequestSchema,
  seekRequestSchema,
  updateQueueRequestSchema,
} from '../protocol/queues.js'
import { groupIdSchema } from '../protocol/groups.js'
import { topicNameSchema } from '../protocol/topics.js'
import { inspectDeadLetters, purgeDeadLetters, readMessages, redrive } from '../services/dead-letter-queue.js'
import { produce } from '../services/produce.js'
import * as queues from '../services/queues.js'
import type { AppEnv } from './context.js'
import { jsonBody, param, query } from './validate.js'

export const queueRoutes = new Hono<AppEnv>()

const dryRunQuery = z.strictObject({ dryRun: z.enum(['true', 'false']).optional() })
const isDryRun = (c: Parameters<typeof query>[0]) => query(c, dryRunQuery).dryRun === 'true'
const name = (c: Parameters<typeof query>[0]) => param(c, 'name', topicNameSchema)

queueRoutes.post('/', async (c) => {
  const dryRun = isDryRun(c)
  const queue = await queues.createQueue(c.env, c.get('tenant'), await jsonBody(c, createQueueRequestSchema), dryRun)
  return c.json({ ...queue, dryRun }, dryRun ? 200 : 201)
})

queueRoutes.get('/', async (c) => {
  const filter = query(c, listQueuesQuerySchema)
  return c.json({ queues: await queues.listQueues(c.env, c.get('tenant'), filter) })
})

queueRoutes.get('/:name', async (c) => {
  const { group } = query(c, z.strictObject({ group: groupIdSchema.optional() }))
  return c.json(await queues.getQueue(c.env, c.get('tenant'), name(c), group))
})

queueRoutes.delete('/:name', async (c) => {
  const queue = name(c)
  await queues.deleteQueue(c.env, c.get('tenant'), queue)
  return c.json({ name: queue, deleted: true })
})

queueRoutes.patch('/:name/config', async (c) => {
  const dryRun = isDryRun(c)
  return c.json(await queues.updateQueue(c.env, c.get('tenant'), name(c), await jsonBody(c, updateQueueRequestSchema), dryRun))
})

queueRoutes.post('/:name/messages', async (c) => {
  const body = await jsonBody(c, queueProduceRequestSchema)
  const records = 'messages' in body ? body.messages : [body]
  const results = await produce(c.env, c.get('tenant'), name(c), records)
  return c.json('messages' in body ? { results } : results[0])
})

queueRoutes.get('/:name/messages', async (c) => {
  return c.json({ messages: await readMessages(c.env, c.get('tenant'), name(c), query(c, queueReadQuerySchema)) })
})

queueRoutes.post('/:name/seek', async (c) => {
  const request = await jsonBody(c, seekRequestSchema)
  return c.json({ partitions: await queues.seek(c.env, c.get('tenant'), name(c), request) })
})

queueRoutes.post('/:name/receive', async (c) => {
  return c.json({ messages: await queues.receive(c.env, c.get('tenant'), name(c), await jsonBody(c, receiveRequestSchema)) })
})

queueRoutes.post('/:name/ack', async (c) => {
  const request = await jsonBody(c, ackRequestSchema)
  return c.json(await queues.ack(c.env, c.get('tenant'), name(c), request, request.leaseIds))
})

queueRoutes.post('/:name/nack', async (c) => {
  const request = await jsonBody(c, nackRequestSchema)
  return c.json(await queues.nack(c.env, c.get('tenant'), name(c), request, request.leaseId, request.error, request.delayMs))
})

queueRoutes.post('/:name/reject', async (c) => {
  const request = await jsonBody(c, rejectRequestSchema)
  return c.json(await queues.reject(c.env, c.get('tenant'), name(c), request, request.leaseId, request.error))
})

queueRoutes.post('/:name/extend', async (c) => {
  const request = await jsonBody(c, extendRequestSchema)
  return c.json(await queues.extend(c.env, c.get('tenant'), name(c), request, request.leaseId, request.visibilityTimeoutMs))
})

queueRoutes.get('/:name/dlq', async (c) => {
  return c.json({ messages: await inspectDeadLetters(c.env, c.get('tenant'), name(c), query(c, queueReadQuerySchema)) })
})

queueRoutes.post('/:name/dlq/redrive', async (c) => {
  return c.json(await redrive(c.env, c.get('tenant'), name(c), await jsonBody(c, redriveRequestSchema)))
})

queueRoutes.delete('/:name/dlq', async (c) => {
  const { beforeOffset } = query(c, z.strictObject({ beforeOffset: z.coerce.number().int().nonnegative().optional() }))
  return c.json(await purgeDeadLetters(c.env, c.get('tenant'), name(c), beforeOffset))
})
