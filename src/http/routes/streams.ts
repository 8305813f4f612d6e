/**
 * Route definitions of live tailing (Server-Sent Events and a WebSocket on `/topics/...`), the stream
 * tickets browsers open them with (`/auth/ticket`), and the dashboard's files (`/ui`).
 */
import { z } from 'zod'
import { partitionParamSchema } from '../../protocol/records.js'
import { socketQuerySchema, streamQuerySchema, ticketRequestSchema, ticketResponseSchema } from '../../protocol/streams.js'
import { topicNameSchema } from '../../protocol/topics.js'
import { defineRoute } from '../openapi/define.js'

const streams = 'Live tailing'
const dashboard = 'Dashboard'
const consume = '`consume` on the topic (a stream ticket carries exactly that)'
const ticketNote = 'A browser, which cannot send an Authorization header here, passes `?ticket=` from `POST /auth/ticket` instead of a credential.'
const eventStream = {
  description: 'The stream: one `record` event per record (`id:` its position, for `Last-Event-ID`), heartbeat comments while idle',
  contentType: 'text/event-stream',
  schema: z.string(),
  example: 'id: 0:42\nevent: record\ndata: {"partition":0,"offset":42,"key":"k","value":{"n":1},"headers":{},"timestamp":1767225600000}\n\n',
}
const streamErrors = ['UNKNOWN_TOPIC_OR_PARTITION', 'OFFSET_OUT_OF_RANGE', 'TOO_MANY_SUBSCRIBERS'] as const

export const topicStream = defineRoute({
  method: 'get',
  path: '/:topic/stream',
  operationId: 'streamTopic',
  tag: streams,
  summary: 'Tail every partition of a topic (Server-Sent Events)',
  description: `Starts at \`offset\` (\`latest\` by default), \`timestamp\`, or after the position in \`Last-Event-ID\` (the header, or \`lastEventId\` for a new EventSource). ${ticketNote}`,
  permission: consume,
  params: { topic: topicNameSchema },
  query: streamQuerySchema,
  answers: { 200: eventStream },
  errors: streamErrors,
})

export const partitionStream = defineRoute({
  method: 'get',
  path: '/:topic/partitions/:partition/stream',
  operationId: 'streamPartition',
  tag: streams,
  summary: 'Tail one partition (Server-Sent Events)',
  description: `As the topic stream, for one partition; \`id:\` is the offset. ${ticketNote}`,
  permission: consume,
  params: { topic: topicNameSchema, partition: partitionParamSchema },
  query: streamQuerySchema,
  answers: { 200: eventStream },
  errors: streamErrors,
})

export const topicSocket = defineRoute({
  method: 'get',
  path: '/:topic/ws',
  operationId: 'topicSocket',
  tag: streams,
  summary: 'Tail a topic, or be pushed queue leases, over a WebSocket',
  description: `A WebSocket upgrade. \`mode=log\` (the default) tails as the SSE routes do; \`mode=queue\` pushes leases of the share group \`group\` (at most \`maxInFlight\` unsettled) and takes \`ack\`, \`nack\` and \`reject\` messages. ${ticketNote}`,
  permission: consume,
  params: { topic: topicNameSchema },
  query: socketQuerySchema,
  answers: { 101: { description: 'Switching to the WebSocket protocol', contentType: 'application/octet-stream', schema: z.string() } },
  errors: [...streamErrors, 'UNKNOWN_LEASE'],
})

export const createTicket = defineRoute({
  method: 'post',
  path: '/ticket',
  operationId: 'createStreamTicket',
  tag: streams,
  summary: 'A short-lived ticket that opens one stream route',
  description:
    'For browsers: the ticket opens only the stream route named by `path`, in the tenant of this request, with `consume` on its topic only, and expires within a minute. The long-lived credential never goes into a URL.',
  permission: '`consume` on the topic of `path`',
  body: ticketRequestSchema,
  bodyExample: { path: '/topics/orders/stream' },
  answers: { 201: { description: 'The ticket', schema: ticketResponseSchema } },
})

const html = { description: 'The dashboard page', contentType: 'text/html; charset=utf-8', schema: z.string() }

export const dashboardPage = defineRoute({
  method: 'get',
  path: '/',
  operationId: 'dashboard',
  tag: dashboard,
  summary: 'The web dashboard',
  description: 'A single page served by the Worker; it logs in with an API key or token kept in session storage and calls this API with it.',
  public: true,
  answers: { 200: html },
})

export const dashboardAsset = defineRoute({
  method: 'get',
  path: '/assets/:name',
  operationId: 'dashboardAsset',
  tag: dashboard,
  summary: "The dashboard's script and stylesheet",
  description: 'Named by their content hash, so cached for good.',
  public: true,
  params: { name: z.string().regex(/^[\w.-]{1,200}$/, 'must be an asset file name') },
  answers: { 200: { description: 'The file', contentType: ['text/javascript; charset=utf-8', 'text/css; charset=utf-8'], schema: z.string() } },
  errors: ['INVALID_REQUEST', 'NOT_FOUND'],
})
