/** The queue view on `/queues/...` (Qafka's API): queue admin, messages, leases and the dead-letter queue. */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { inspectDeadLetters, purgeDeadLetters, readMessages, redrive } from '../services/dead-letter-queue.js'
import { produce } from '../services/produce.js'
import * as queues from '../services/queues.js'
import { audited, authorize, visible } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import { chargeFetch, chargeProduce, settleFetch } from './quotas.js'
import * as routes from './routes/queues.js'
import { body, param, query } from './validate.js'

export const queueRoutes = new OpenAPIHono<AppEnv>()

/** The queue of the path: every `/queues/:name` route takes the same name. */
const name = (c: Context<AppEnv>) => param(c, routes.getQueue, 'name')
/** `?dryRun=true`, on the routes that take it. */
const isDryRun = (c: Context<AppEnv>, route: typeof routes.createQueue | typeof routes.updateQueue) => query(c, route).dryRun === 'true'

serve(queueRoutes, routes.createQueue, async (c) => {
  const dryRun = isDryRun(c, routes.createQueue)
  const request = await body(c, routes.createQueue)
  await authorize(c, 'topic:create', request.name)
  const queue = await queues.createQueue(c.env, c.get('tenant'), request, dryRun)
  if (!dryRun) await audited(c, 'queue:create', queue.name, { partitions: queue.partitions })
  return c.json({ ...queue, dryRun }, dryRun ? 200 : 201)
})

serve(queueRoutes, routes.listQueues, async (c) => {
  const filter = query(c, routes.listQueues)
  await authorize(c, 'topic:read')
  return c.json({ queues: visible(c, 'topic:read', await queues.listQueues(c.env, c.get('tenant'), filter), (q) => q.name) })
})

serve(queueRoutes, routes.getQueue, async (c) => {
  const { group } = query(c, routes.getQueue)
  await authorize(c, 'topic:read', name(c))
  return c.json(await queues.getQueue(c.env, c.get('tenant'), name(c), group))
})

serve(queueRoutes, routes.deleteQueue, async (c) => {
  const queue = name(c)
  await authorize(c, 'topic:delete', queue)
  // The queue's dead-letter topic goes with it, so deleting needs the right to delete that too.
  await authorize(c, 'topic:delete', `${queue}-dlq`)
  await queues.deleteQueue(c.env, c.get('tenant'), queue)
  await audited(c, 'queue:delete', queue)
  return c.json({ name: queue, deleted: true })
})

serve(queueRoutes, routes.updateQueue, async (c) => {
  const dryRun = isDryRun(c, routes.updateQueue)
  await authorize(c, 'topic:config', name(c))
  const request = await body(c, routes.updateQueue)
  const result = await queues.updateQueue(c.env, c.get('tenant'), name(c), request, dryRun)
  if (!dryRun) await audited(c, 'queue:config', name(c), request)
  return c.json(result)
})

serve(queueRoutes, routes.sendMessages, async (c) => {
  await authorize(c, 'produce', name(c))
  const request = await body(c, routes.sendMessages)
  const records = 'messages' in request ? request.messages : [request]
  await chargeProduce(c, records.length)
  c.set('records', records.length)
  const results = await produce(c.env, c.get('tenant'), name(c), records)
  return c.json('messages' in request ? { results } : results[0])
})

serve(queueRoutes, routes.readMessages, async (c) => {
  await authorize(c, 'consume', name(c))
  await chargeFetch(c)
  return meteredText(c, await readMessages(c.env, c.get('tenant'), name(c), query(c, routes.readMessages)))
})

serve(queueRoutes, routes.seek, async (c) => {
  const request = await body(c, routes.seek)
  await authorize(c, 'consume', name(c))
  await authorize(c, 'group:admin', request.group ?? 'default')
  return c.json({ partitions: await queues.seek(c.env, c.get('tenant'), name(c), request) })
})

serve(queueRoutes, routes.receive, async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await body(c, routes.receive)
  await chargeFetch(c)
  const received = await queues.receiveText(c.env, c.get('tenant'), name(c), request)
  c.set('records', received.count)
  // The messages arrive as JSON text and are answered unparsed.
  return meteredText(c, `{"messages":[${received.messages}]}`)
})

serve(queueRoutes, routes.ack, async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await body(c, routes.ack)
  return c.json(await queues.ack(c.env, c.get('tenant'), name(c), request, request.leaseIds))
})

serve(queueRoutes, routes.nack, async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await body(c, routes.nack)
  return c.json(await queues.nack(c.env, c.get('tenant'), name(c), request, request.leaseId, request.error, request.delayMs))
})

serve(queueRoutes, routes.reject, async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await body(c, routes.reject)
  return c.json(await queues.reject(c.env, c.get('tenant'), name(c), request, request.leaseId, request.error))
})

serve(queueRoutes, routes.extend, async (c) => {
  await authorize(c, 'consume', name(c))
  const request = await body(c, routes.extend)
  return c.json(await queues.extend(c.env, c.get('tenant'), name(c), request, request.leaseId, request.visibilityTimeoutMs))
})

serve(queueRoutes, routes.inspectDlq, async (c) => {
  await authorize(c, 'consume', `${name(c)}-dlq`)
  await chargeFetch(c)
  return meteredText(c, await inspectDeadLetters(c.env, c.get('tenant'), name(c), query(c, routes.inspectDlq)))
})

/** Answers JSON text and charges its size to the tenant's fetch quota. */
async function meteredText(c: Context<AppEnv>, text: string): Promise<Response> {
  c.set('responseBytes', text.length)
  await settleFetch(c, text.length)
  return c.body(text, 200, { 'content-type': 'application/json' })
}

serve(queueRoutes, routes.redrive, async (c) => {
  await authorize(c, 'consume', `${name(c)}-dlq`)
  await authorize(c, 'produce', name(c))
  const result = await redrive(c.env, c.get('tenant'), name(c), await body(c, routes.redrive))
  await audited(c, 'queue:redrive', name(c), result)
  return c.json(result)
})

serve(queueRoutes, routes.purgeDlq, async (c) => {
  const { beforeOffset } = query(c, routes.purgeDlq)
  await authorize(c, 'topic:delete', `${name(c)}-dlq`)
  const result = await purgeDeadLetters(c.env, c.get('tenant'), name(c), beforeOffset)
  await audited(c, 'queue:purge-dlq', name(c), result)
  return c.json(result)
})
