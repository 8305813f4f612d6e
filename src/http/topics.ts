/** Produce, fetch and offsets on `/topics/:topic/...`, as the Kafdo README lists them. */
import { Hono } from 'hono'
import {
  fetchQuerySchema,
  partitionParamSchema,
  produceBatchRequestSchema,
  produceRequestSchema,
  type ProduceBatchResponse,
} from '../protocol/records.js'
import { topicNameSchema } from '../protocol/topics.js'
import { produce } from '../services/produce.js'
import { partitionOffsets, readPartition, renderFetchResponse } from '../services/read.js'
import { authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { chargeFetch, chargeProduce, settleFetch } from './quotas.js'
import { jsonBody, param, query } from './validate.js'

export const topicRoutes = new Hono<AppEnv>()

topicRoutes.post('/:topic/produce', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  await authorize(c, 'produce', topic)
  const { producerId, sequence, ...record } = await jsonBody(c, produceRequestSchema)
  await chargeProduce(c, 1)
  c.set('records', 1)
  const [metadata] = await produce(c.env, c.get('tenant'), topic, [record], { producerId, sequence })
  return c.json(metadata)
})

topicRoutes.post('/:topic/produce-batch', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  await authorize(c, 'produce', topic)
  const { records, producerId, sequence } = await jsonBody(c, produceBatchRequestSchema)
  await chargeProduce(c, records.length)
  c.set('records', records.length)
  const results = await produce(c.env, c.get('tenant'), topic, records, { producerId, sequence })
  return c.json({ results } satisfies ProduceBatchResponse)
})

topicRoutes.get('/:topic/partitions/:partition/messages', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  const partition = param(c, 'partition', partitionParamSchema)
  await authorize(c, 'consume', topic)
  const options = query(c, fetchQuerySchema)
  await chargeFetch(c)
  const read = await readPartition(c.env, c.get('tenant'), topic, partition, options)
  const body = renderFetchResponse(read)
  c.set('records', read.count)
  c.set('responseBytes', body.length)
  await settleFetch(c, body.length)
  return c.body(body, 200, { 'content-type': 'application/json' })
})

topicRoutes.get('/:topic/partitions/:partition/offsets', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  const partition = param(c, 'partition', partitionParamSchema)
  await authorize(c, 'topic:read', topic)
  return c.json({ topic, ...(await partitionOffsets(c.env, c.get('tenant'), topic, partition)) })
})
