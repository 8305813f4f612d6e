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
import type { AppEnv } from './context.js'
import { jsonBody, param, query } from './validate.js'

export const topicRoutes = new Hono<AppEnv>()

topicRoutes.post('/:topic/produce', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  const { producerId, sequence, ...record } = await jsonBody(c, produceRequestSchema)
  const [metadata] = await produce(c.env, c.get('tenant'), topic, [record], { producerId, sequence })
  return c.json(metadata)
})

topicRoutes.post('/:topic/produce-batch', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  const { records, producerId, sequence } = await jsonBody(c, produceBatchRequestSchema)
  const results = await produce(c.env, c.get('tenant'), topic, records, { producerId, sequence })
  return c.json({ results } satisfies ProduceBatchResponse)
})

topicRoutes.get('/:topic/partitions/:partition/messages', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  const partition = param(c, 'partition', partitionParamSchema)
  const options = query(c, fetchQuerySchema)
  const read = await readPartition(c.env, c.get('tenant'), topic, partition, options)
  return c.body(renderFetchResponse(read), 200, { 'content-type': 'application/json' })
})

topicRoutes.get('/:topic/partitions/:partition/offsets', async (c) => {
  const topic = param(c, 'topic', topicNameSchema)
  const partition = param(c, 'partition', partitionParamSchema)
  return c.json({ topic, ...(await partitionOffsets(c.env, c.get('tenant'), topic, partition)) })
})
