/** The queue view on `/queues/...` (Qafka's API): queue admin, messages, leases and the dead-letter queue. */
import { Hono, type Context } from 'hono'
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
import { audited, authorize, visible } from './authorize.js'
import type { AppEnv } from './context.js'
import { chargeFetch, chargeProduce, settleFetch } from './quotas.js'
import { jsonBody, param, query } from './validate.js'

export const queueRoutes = new Hono<AppEnv>()

const dryRunQuery = z.strictObject({ dryRun: z.enum(['true', 'false']).optional() })
const isDryRun = (c: Parameters<typeof query>[0]) => query(c, dryRunQuery).dryRun === 'true'
const name = (c: Parameters<typeof query>[0]) => param(c, 'name', topicNameSchema)

queueRoutes.post('/', async (c) => {
  const dryRun = isDryRun(c)
  const request = await jsonBody(c, createQueueRequestSchema)
  await authorize(c, 'topic:create', request.name)
  const queue = await queues.createQueue(c.env, c.get('tenant'), request, dryRun)
  if (!dryRun) await audited(c, 'queue:create', queue.name, { partitions: queue.partitions })
  return c.json({ ...queue, dryRun }, dryRun ? 200 : 201)
})

queueRoutes.get('/', async (c) => {
  const filter = query(c, listQueuesQuerySchema)
  await authorize(c, 'topic:read')
  return c.json({ queues: visible(c, 'topic:read', await queues.listQueues(c.env, c.get('tenant'), filter), (q) => q.name) })
})

queueRoutes.get('/:name', async (c) => {
  const { group } = query(c, z.strictObject({ group: groupIdSchema.optional() }))
  await authorize(c, 'topic:read', name(c))
  return c.json(await queues.getQueue(c.env, c.get('tenant'), name(c), group))
})

queueRoutes.delete('/:name', async (c) => {
  const queue = name(c)
  await authorize(c, 'topic:delete', queue)
  // The queue's dead-letter topic goes with it, so deleting needs the right to delete that too.
  await authorize(c, 'topic:delete', `${queue}-dlq`)
  await queues.deleteQueue(c.env, c.get('tenant'), queue)
  await audited(c, 'queue:delete', queue)
  return c.json({ name: queue, deleted: true })
})

queueRoutes.patch('/:name/config', async (c) => {
  const dryRun = isDryRun(c)
  await authorize(c, 'topic:config', name(c))
  const request = await jsonBody(c, updateQueueRequestSchema)
  const result = await queues.updateQueue(c.env, c.get('tenant'), name(c), request, dryRun)
  if (!dryRun) await audited(c, 'queue:config', name(c), request)
  return c.json(result)
})

queueRoutes.post('/:name/messages', async (c) => {
  await authorize(c, 'produce', name(c))
  const body = await jsonBody(c, queueProduceRequestSchema)
  const records = 'messages' in body ? body.messages : [body]
  await chargeProduce(c, records.length)
  c.set('records', records.length)
  const results = await produce(c.env, c.get('tenant'), name(c), records)
  return c.json('messages' in body ? { results } : results[0])
})

queueRoutes.get('/:name/messages', async (c) => {
  await authorize(c, 'consume', name(c))
  await chargeFetch(c)
  return metered(c, { messages: await readMessages(c.env, c.get('tenant'), name(c), query(c, queueReadQuerySchema)) })
})

queueRoutes.post('/:name/seek', async (c) => {
  const request = await jsonBody(c, seekRequestSchema)
  await authorize(c, 'consume', name(c))
  await authorize(c, 'group:admin', request.group ?? 'default')
  return c.json({ partitions: await queues.seek(c.env, c.get('tenant'), name(c), request) })
})

queueRoutes.post('/:name/receive', async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await jsonBody(c, receiveRequestSchema)
  await chargeFetch(c)
  const received = await queues.receiveText(c.env, c.get('tenant'), name(c), request)
  c.set('records', received.count)
  // The messages arrive as JSON text and are answered unparsed.
  return meteredText(c, `{"messages":[${received.messages}]}`)
})

queueRoutes.post('/:name/ack', async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await jsonBody(c, ackRequestSchema)
  return c.json(await queues.ack(c.env, c.get('tenant'), name(c), request, request.leaseIds))
})

queueRoutes.post('/:name/nack', async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await jsonBody(c, nackRequestSchema)
  return c.json(await queues.nack(c.env, c.get('tenant'), name(c), request, request.leaseId, request.error, request.delayMs))
})

queueRoutes.post('/:name/reject', async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await jsonBody(c, rejectRequestSchema)
  return c.json(await queues.reject(c.env, c.get('tenant'), name(c), request, request.leaseId, request.error))
})

queueRoutes.post('/:name/extend', async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await jsonBody(c, extendRequestSchema)
  return c.json(await queues.extend(c.env, c.get('tenant'), name(c), request, request.leaseId, request.visibilityTimeoutMs))
})

queueRoutes.get('/:name/dlq', async (c) => {
  await authorize(c, 'consume', `${name(c)}-dlq`)
  await chargeFetch(c)
  return metered(c, { messages: await inspectDeadLetters(c.env, c.get('tenant'), name(c), query(c, queueReadQuerySchema)) })
})

/** Answers JSON and charges its size to the tenant's fetch quota. */
function metered(c: Context<AppEnv>, body: unknown): Promise<Response> {
  return meteredText(c, JSON.stringify(body))
}

async function meteredText(c: Context<AppEnv>, text: string): Promise<Response> {
  c.set('responseBytes', text.length)
  await settleFetch(c, text.length)
  return c.body(text, 200, { 'content-type': 'application/json' })
}

queueRoutes.post('/:name/dlq/redrive', async (c) => {
  await authorize(c, 'consume', `${name(c)}-dlq`)
  await authorize(c, 'produce', name(c))
  const result = await redrive(c.env, c.get('tenant'), name(c), await jsonBody(c, redriveRequestSchema))
  await audited(c, 'queue:redrive', name(c), result)
  return c.json(result)
})

queueRoutes.delete('/:name/dlq', async (c) => {
  const { beforeOffset } = query(c, z.strictObject({ beforeOffset: z.coerce.number().int().nonnegative().optional() }))
  await authorize(c, 'topic:delete', `${name(c)}-dlq`)
  const result = await purgeDeadLetters(c.env, c.get('tenant'), name(c), beforeOffset)
  await audited(c, 'queue:purge-dlq', name(c), result)
  return c.json(result)
})
