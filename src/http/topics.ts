/** Produce, fetch and offsets on `/topics/:topic/...`, as the Kafdo README lists them. */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { ProduceBatchResponse } from '../protocol/records.js'
import { produce } from '../services/produce.js'
import { partitionOffsets, readPartition } from '../services/read.js'
import { authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import { chargeFetch, chargeProduce, settleFetch } from './quotas.js'
import * as routes from './routes/records.js'
import { body, param, query } from './validate.js'

export const topicRoutes = new OpenAPIHono<AppEnv>()

serve(topicRoutes, routes.produce, async (c) => {
  const topic = param(c, routes.produce, 'topic')
  await authorize(c, 'produce', topic)
  const { producerId, sequence, ...record } = await body(c, routes.produce)
  await chargeProduce(c, 1)
  c.set('records', 1)
  const [metadata] = await produce(c.env, c.get('tenant'), topic, [record], { producerId, sequence })
  return c.json(metadata)
})

serve(topicRoutes, routes.produceBatch, async (c) => {
  const topic = param(c, routes.produceBatch, 'topic')
  await authorize(c, 'produce', topic)
  const { records, producerId, sequence } = await body(c, routes.produceBatch)
  await chargeProduce(c, records.length)
  c.set('records', records.length)
  const results = await produce(c.env, c.get('tenant'), topic, records, { producerId, sequence })
  return c.json({ results } satisfies ProduceBatchResponse)
})

serve(topicRoutes, routes.fetchMessages, async (c) => {
  const topic = param(c, routes.fetchMessages, 'topic')
  const partition = param(c, routes.fetchMessages, 'partition')
  await authorize(c, 'consume', topic)
  const options = query(c, routes.fetchMessages)
  await chargeFetch(c)
  const { page, count } = await readPartition(c.env, c.get('tenant'), topic, partition, options)
  c.set('records', count)
  c.set('responseBytes', page.length)
  await settleFetch(c, page.length)
  // The partition assembled the answer as bytes: sent as they are, never decoded or re-encoded here.
  return c.body(page, 200, { 'content-type': 'application/json' })
})

serve(topicRoutes, routes.partitionOffsets, async (c) => {
  const topic = param(c, routes.partitionOffsets, 'topic')
  const partition = param(c, routes.partitionOffsets, 'partition')
  await authorize(c, 'topic:read', topic)
  return c.json({ topic, ...(await partitionOffsets(c.env, c.get('tenant'), topic, partition)) })
})
