/** Route definitions of the queue view on `/queues/...`: queue admin, messages, leases and the dead-letter queue. */
import { z } from 'zod'
import { groupIdSchema } from '../../protocol/groups.js'
import {
  ackResultSchema,
  extendResultSchema,
  leasedMessageSchema,
  nackResultSchema,
  QUEUE_EXAMPLE,
  queueDescriptionSchema,
  queueDetailsSchema,
  queueRecordSchema,
  rejectResultSchema,
  seekResultSchema,
} from '../../protocol/queue-answers.js'
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
} from '../../protocol/queues.js'
import { produceBatchResponseSchema, recordMetadataSchema } from '../../protocol/records.js'
import { topicNameSchema } from '../../protocol/topics.js'
import { defineRoute } from '../openapi/define.js'
import { dryRunQuerySchema } from './admin.js'

const queues = 'Queues'
const dlq = 'Dead-letter queue'
const queue = { name: topicNameSchema }
const LEASE_ERRORS = ['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_LEASE', 'LEASE_NOT_HELD', 'LEASE_EXPIRED'] as const
const WRITE_ERRORS = [
  'UNKNOWN_TOPIC_OR_PARTITION',
  'INVALID_TOPIC_EXCEPTION',
  'RECORD_TOO_LARGE',
  'INVALID_RECORD',
  'POLICY_VIOLATION',
  'THROTTLING_QUOTA_EXCEEDED',
] as const
const record = { partition: 0, offset: 42, timestamp: 1767225600000, key: 'order-42', value: { id: 'order-42' }, headers: { source: 'checkout' } }
const messagesSchema = z.object({ messages: z.array(queueRecordSchema) }).meta({ id: 'QueueRecords', example: { messages: [record] } })
const createdQueueSchema = queueDescriptionSchema
  .extend({ dryRun: z.boolean() })
  .meta({ id: 'CreatedQueue', example: { ...QUEUE_EXAMPLE, dryRun: false } })
const queueListSchema = z.object({ queues: z.array(queueDescriptionSchema) }).meta({ id: 'QueueList', example: { queues: [QUEUE_EXAMPLE] } })
const queueUpdateSchema = z.object({ before: queueDescriptionSchema, after: queueDescriptionSchema, applied: z.boolean() }).meta({
  id: 'QueueUpdate',
  example: { before: QUEUE_EXAMPLE, after: { ...QUEUE_EXAMPLE, policy: { ...QUEUE_EXAMPLE.policy, visibilityTimeoutMs: 60000 } }, applied: true },
})
const receivedSchema = z.object({ messages: z.array(leasedMessageSchema) }).meta({
  id: 'ReceivedMessages',
  example: { messages: [{ ...record, key: null, leaseId: '0:42:k3x9q2', deliveryCount: 1 }] },
})

export const createQueue = defineRoute({
  method: 'post',
  path: '/',
  operationId: 'createQueue',
  tag: queues,
  summary: 'Create a queue',
  description:
    'A queue is a topic with a queue policy: retry (fixed, linear, exponential or a schedule), dead-lettering to `<name>-dlq`, a visibility timeout, a default TTL and tags. `?dryRun=true` checks everything and creates nothing.',
  permission: '`topic:create` on the queue',
  query: dryRunQuerySchema,
  body: createQueueRequestSchema,
  bodyExample: {
    name: 'jobs',
    partitions: 2,
    retry: { strategy: 'exponential', delayMs: 1000, factor: 2, maxAttempts: 5 },
    visibilityTimeoutMs: 30000,
  },
  answers: {
    200: { description: 'The queue as it would be created (dry run)', schema: createdQueueSchema },
    201: { description: 'The queue was created', schema: createdQueueSchema },
  },
  errors: ['TOPIC_ALREADY_EXISTS', 'INVALID_TOPIC_EXCEPTION', 'INVALID_CONFIG', 'INVALID_PARTITIONS', 'POLICY_VIOLATION'],
})

export const listQueues = defineRoute({
  method: 'get',
  path: '/',
  operationId: 'listQueues',
  tag: queues,
  summary: 'List queues',
  description: 'Every topic the caller may read, as a queue, filtered by `tag` or name `prefix`.',
  permission: '`topic:read`',
  query: listQueuesQuerySchema,
  answers: { 200: { description: 'The queues', schema: queueListSchema } },
})

export const getQueue = defineRoute({
  method: 'get',
  path: '/:name',
  operationId: 'getQueue',
  tag: queues,
  summary: 'Describe a queue, with statistics',
  description:
    'The policy and the statistics (depth, ready, in flight, delayed, dead-lettered, expired, oldest message age) of share group `group` (`default`).',
  permission: '`topic:read` on the queue',
  params: queue,
  query: z.strictObject({ group: groupIdSchema.optional() }),
  answers: { 200: { description: 'The queue', schema: queueDetailsSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION'],
})

export const deleteQueue = defineRoute({
  method: 'delete',
  path: '/:name',
  operationId: 'deleteQueue',
  tag: queues,
  summary: 'Delete a queue and its dead-letter queue',
  permission: '`topic:delete` on the queue and on `<name>-dlq`',
  params: queue,
  answers: {
    200: {
      description: 'Deleted',
      schema: z.object({ name: z.string(), deleted: z.literal(true) }).meta({ id: 'DeletedQueue', example: { name: 'jobs', deleted: true } }),
    },
  },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'INVALID_TOPIC_EXCEPTION'],
})

export const updateQueue = defineRoute({
  method: 'patch',
  path: '/:name/config',
  operationId: 'updateQueue',
  tag: queues,
  summary: "Change a queue's policy or config",
  description: 'Fields given replace the current ones (dead-letter fields merge); `?dryRun=true` answers what would change.',
  permission: '`topic:config` on the queue',
  params: queue,
  query: dryRunQuerySchema,
  body: updateQueueRequestSchema,
  bodyExample: { visibilityTimeoutMs: 60000, deadLetter: { retentionMs: 604800000 } },
  answers: { 200: { description: 'The queue before and after', schema: queueUpdateSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'INVALID_CONFIG', 'INVALID_PARTITIONS', 'POLICY_VIOLATION', 'INVALID_TOPIC_EXCEPTION'],
})

export const sendMessages = defineRoute({
  method: 'post',
  path: '/:name/messages',
  operationId: 'sendMessages',
  tag: queues,
  summary: 'Send messages',
  description: 'One message (answered with where it was written) or `{ "messages": [...] }` (answered with `results`).',
  permission: '`produce` on the queue',
  params: queue,
  body: queueProduceRequestSchema,
  bodyExample: { messages: [{ value: { job: 'resize', image: 'a.png' } }, { value: { job: 'resize', image: 'b.png' }, ttlMs: 3600000 }] },
  answers: {
    200: {
      description: 'Where the messages were written',
      schema: z.union([recordMetadataSchema, produceBatchResponseSchema]),
      example: {
        results: [
          { topic: 'jobs', partition: 0, offset: 42, timestamp: 1767225600000 },
          { topic: 'jobs', partition: 1, offset: 17, timestamp: 1767225600000 },
        ],
      },
    },
  },
  errors: WRITE_ERRORS,
})

export const readMessages = defineRoute({
  method: 'get',
  path: '/:name/messages',
  operationId: 'readMessages',
  tag: queues,
  summary: 'Read messages without leasing them',
  description: 'From an `offset` or `timestamp` of one `partition`, or the newest `last` messages across partitions.',
  permission: '`consume` on the queue',
  params: queue,
  query: queueReadQuerySchema,
  answers: { 200: { description: 'The messages', schema: messagesSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'OFFSET_OUT_OF_RANGE', 'THROTTLING_QUOTA_EXCEEDED'],
})

export const seek = defineRoute({
  method: 'post',
  path: '/:name/seek',
  operationId: 'seekQueue',
  tag: queues,
  summary: "Move a share group's cursor",
  description:
    'To an `offset`, a `timestamp`, or `earliest`/`latest`, on one `partition` or all; what the group had in flight from there is dropped.',
  permission: '`consume` on the queue and `group:admin` on the share group',
  params: queue,
  body: seekRequestSchema,
  bodyExample: { group: 'default', to: 'earliest' },
  answers: { 200: { description: 'Where each partition now starts', schema: seekResultSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION'],
})

export const receive = defineRoute({
  method: 'post',
  path: '/:name/receive',
  operationId: 'receive',
  tag: queues,
  summary: 'Receive (lease) messages',
  description:
    'Leases up to `max` messages to `consumerId` for the visibility timeout; each must be acked, nacked (redelivered by the retry policy) or rejected (dead-lettered) before the lease runs out, or it counts as a failed attempt. With `waitMs` the request long-polls.',
  permission: '`consume` on the queue',
  params: queue,
  body: receiveRequestSchema,
  bodyExample: { consumerId: 'worker-1', max: 10, waitMs: 5000 },
  answers: { 200: { description: 'The leased messages (possibly none)', schema: receivedSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'THROTTLING_QUOTA_EXCEEDED'],
})

export const ack = defineRoute({
  method: 'post',
  path: '/:name/ack',
  operationId: 'ack',
  tag: queues,
  summary: 'Acknowledge messages',
  permission: '`consume` on the queue',
  params: queue,
  body: ackRequestSchema,
  bodyExample: { consumerId: 'worker-1', leaseIds: ['0:42:k3x9q2'] },
  answers: { 200: { description: 'How many were acknowledged', schema: ackResultSchema } },
  errors: LEASE_ERRORS,
})

export const nack = defineRoute({
  method: 'post',
  path: '/:name/nack',
  operationId: 'nack',
  tag: queues,
  summary: 'Fail a message (redelivered by the retry policy)',
  description: 'After `maxAttempts` the message moves to the dead-letter queue with headers naming its origin, attempts and last `error`.',
  permission: '`consume` on the queue',
  params: queue,
  body: nackRequestSchema,
  bodyExample: { consumerId: 'worker-1', leaseId: '0:42:k3x9q2', error: 'timeout calling the image service' },
  answers: { 200: { description: 'What happens to the message next', schema: nackResultSchema } },
  errors: LEASE_ERRORS,
})

export const reject = defineRoute({
  method: 'post',
  path: '/:name/reject',
  operationId: 'reject',
  tag: queues,
  summary: 'Reject a message (dead-letter it now)',
  permission: '`consume` on the queue',
  params: queue,
  body: rejectRequestSchema,
  bodyExample: { consumerId: 'worker-1', leaseId: '0:42:k3x9q2', error: 'malformed job' },
  answers: { 200: { description: 'The message is finished', schema: rejectResultSchema } },
  errors: LEASE_ERRORS,
})

export const extend = defineRoute({
  method: 'post',
  path: '/:name/extend',
  operationId: 'extendLease',
  tag: queues,
  summary: 'Extend a lease',
  permission: '`consume` on the queue',
  params: queue,
  body: extendRequestSchema,
  bodyExample: { consumerId: 'worker-1', leaseId: '0:42:k3x9q2', visibilityTimeoutMs: 60000 },
  answers: { 200: { description: 'When the lease now runs out', schema: extendResultSchema } },
  errors: LEASE_ERRORS,
})

export const inspectDlq = defineRoute({
  method: 'get',
  path: '/:name/dlq',
  operationId: 'inspectDeadLetters',
  tag: dlq,
  summary: 'Inspect dead-lettered messages',
  description:
    'Dead-lettered records carry `kafdo-dlq-*` headers: original topic, partition and offset, group, attempts, first and last failure, last error.',
  permission: '`consume` on `<name>-dlq`',
  params: queue,
  query: queueReadQuerySchema,
  answers: { 200: { description: 'The dead-lettered messages', schema: messagesSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'OFFSET_OUT_OF_RANGE', 'THROTTLING_QUOTA_EXCEEDED'],
})

export const redrive = defineRoute({
  method: 'post',
  path: '/:name/dlq/redrive',
  operationId: 'redrive',
  tag: dlq,
  summary: 'Re-drive dead-lettered messages to the queue',
  description: 'All of them, an offset range of one partition, or those carrying a header value; at most `limit`.',
  permission: '`consume` on `<name>-dlq` and `produce` on the queue',
  params: queue,
  body: redriveRequestSchema,
  bodyExample: { limit: 100 },
  answers: {
    200: {
      description: 'How many were sent back',
      schema: z.object({ redriven: z.number().int() }).meta({ id: 'RedriveResult', example: { redriven: 3 } }),
    },
  },
  errors: WRITE_ERRORS,
})

export const purgeDlq = defineRoute({
  method: 'delete',
  path: '/:name/dlq',
  operationId: 'purgeDeadLetters',
  tag: dlq,
  summary: 'Purge the dead-letter queue',
  description: 'Deletes every dead-lettered record, or those before `beforeOffset`.',
  permission: '`topic:delete` on `<name>-dlq`',
  params: queue,
  query: z.strictObject({ beforeOffset: z.coerce.number().int().nonnegative().optional() }),
  answers: {
    200: { description: 'How many were deleted', schema: z.object({ purged: z.number().int() }).meta({ id: 'PurgeResult', example: { purged: 3 } }) },
  },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION'],
})
