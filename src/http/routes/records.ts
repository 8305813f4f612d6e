/** Route definitions of `/topics/:topic/...`: produce, fetch and partition offsets. */
import { z } from 'zod'
import {
  fetchQuerySchema,
  fetchResponseSchema,
  partitionParamSchema,
  produceBatchRequestSchema,
  produceBatchResponseSchema,
  produceRequestSchema,
  recordMetadataSchema,
} from '../../protocol/records.js'
import { partitionOffsetsSchema, topicNameSchema } from '../../protocol/topics.js'
import { defineRoute } from '../openapi/define.js'

const tag = 'Records'
const topic = { topic: topicNameSchema }
/** What a write to a topic can be refused for, beyond the request's own shape. */
const WRITE_ERRORS = [
  'UNKNOWN_TOPIC_OR_PARTITION',
  'INVALID_TOPIC_EXCEPTION',
  'RECORD_TOO_LARGE',
  'INVALID_RECORD',
  'DUPLICATE_SEQUENCE_NUMBER',
  'POLICY_VIOLATION',
  'THROTTLING_QUOTA_EXCEEDED',
] as const

export const produce = defineRoute({
  method: 'post',
  path: '/:topic/produce',
  operationId: 'produce',
  tag,
  summary: 'Produce one record',
  description:
    "Writes one record. A keyed record goes to `murmur2(key) % partitions` (as Kafka's Java client), a keyless one round-robin, unless `partition` is given. With `producerId` and `sequence` the write is idempotent: a retried pair answers the original offset.",
  permission: '`produce` on the topic',
  params: topic,
  body: produceRequestSchema,
  bodyExample: { key: 'customer-7', value: { orderId: 1001, total: 25.5 }, headers: { source: 'web' } },
  answers: { 200: { description: 'Where the record was written', schema: recordMetadataSchema } },
  errors: WRITE_ERRORS,
})

export const produceBatch = defineRoute({
  method: 'post',
  path: '/:topic/produce-batch',
  operationId: 'produceBatch',
  tag,
  summary: 'Produce a batch of records',
  description: 'Writes up to 10,000 records, one transaction per partition; the results are in request order.',
  permission: '`produce` on the topic',
  params: topic,
  body: produceBatchRequestSchema,
  bodyExample: {
    records: [
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ],
  },
  answers: { 200: { description: 'Where each record was written, in request order', schema: produceBatchResponseSchema } },
  errors: WRITE_ERRORS,
})

export const fetchMessages = defineRoute({
  method: 'get',
  path: '/:topic/partitions/:partition/messages',
  operationId: 'fetchMessages',
  tag,
  summary: 'Fetch records from a partition',
  description:
    'Reads from `offset` (a number, `earliest` or `latest`) or the first record at or after `timestamp`. With `maxWaitMs` the request long-polls until a record arrives. An offset outside the log is `OFFSET_OUT_OF_RANGE` unless `reset` says where to go instead.',
  permission: '`consume` on the topic',
  params: { ...topic, partition: partitionParamSchema },
  query: fetchQuerySchema,
  answers: { 200: { description: 'The records and where to read next', schema: fetchResponseSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'OFFSET_OUT_OF_RANGE', 'THROTTLING_QUOTA_EXCEEDED'],
})

export const partitionOffsets = defineRoute({
  method: 'get',
  path: '/:topic/partitions/:partition/offsets',
  operationId: 'partitionOffsets',
  tag,
  summary: "A partition's earliest and latest offsets",
  permission: '`topic:read` on the topic',
  params: { ...topic, partition: partitionParamSchema },
  answers: {
    200: {
      description: 'The log start offset and the next offset to be written',
      schema: partitionOffsetsSchema
        .extend({ topic: z.string() })
        .meta({ id: 'PartitionOffsetsOfTopic', example: { topic: 'orders', partition: 0, earliest: 0, latest: 120 } }),
    },
  },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION'],
})
