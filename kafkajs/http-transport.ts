/**
 * The transport over HTTP, built on `kafdo/client`: its request core (timeouts, error responses rebuilt
 * into KafdoError), its admin, its consumer-group port and its partition reader. Requests are sent once
 * (`retries: 0`): the kafkajs layer retries by kafkajs's options. Loads in any JavaScript runtime; it
 * imports nothing of the Worker.
 */
import { KafdoAdmin } from '../client/admin.js'
import { httpGroupPort } from '../client/group-port.js'
import { HttpCore, type FetchLike } from '../client/http.js'
import { readPartition } from '../client/partition-reader.js'
import type { ProduceBatchResponse, TopicSummary } from '../src/protocol/index.js'
import type { Transport, TransportHooks } from './transport.js'
import type { KafdoHttpOptions } from './types/config.js'

export interface HttpTransportOptions extends KafdoHttpOptions {
  clientId: string
  requestTimeout: number
}

export function httpTransport(options: HttpTransportOptions, hooks: TransportHooks = {}): Transport {
  const given: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  // Not every fetch honours an abort (a service binding's does not): a stopping consumer's long poll is let go.
  const base: FetchLike = (input, init) => (init.signal ? Promise.race([given(input, init), abandoned(init.signal)]) : given(input, init))
  const fetch: FetchLike = hooks.onRequest
    ? async (input, init) => {
        const sentAt = Date.now()
        const response = await base(input, init)
        const { pathname } = new URL(input)
        hooks.onRequest!({
          apiName: `${init.method ?? 'GET'} ${pathname}`,
          createdAt: sentAt,
          sentAt,
          duration: Date.now() - sentAt,
          size: Number(response.headers.get('content-length') ?? 0),
        })
        return response
      }
    : base
  const http = new HttpCore({
    baseUrl: options.url,
    clientId: options.clientId,
    timeout: options.requestTimeout,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    fetch,
    retries: 0,
    tenant: options.tenant,
  })
  const admin = new KafdoAdmin(http)
  const broker = new URL(options.url).host

  return {
    broker,
    ping: async () => {
      await http.request({ method: 'GET', path: ['health'], idempotent: true })
    },
    topic: async (name) => {
      const topics = await http.request<{ topics: TopicSummary[] }>({ method: 'GET', path: ['admin', 'topics'], idempotent: true })
      const found = topics.topics.find((t) => t.topic === name)
      return found && { partitions: found.partitions, logAppendTime: found.config['message.timestamp.type'] === 'LogAppendTime' }
    },
    produce: async (topic, records, idempotence) =>
      (
        await http.request<ProduceBatchResponse>({
          method: 'POST',
          path: ['topics', topic, 'produce-batch'],
          body: { records, ...idempotence },
          idempotent: true,
        })
      ).results,
    groupPort: (groupId) => httpGroupPort(http, groupId),
    listTopics: () => admin.listTopicSummaries(),
    describeTopic: (topic) => admin.describeTopic(topic),
    createTopic: (request, dryRun) => admin.createTopic(request, { dryRun }),
    deleteTopic: (topic) => admin.deleteTopic(topic),
    createPartitions: (topic, count, dryRun) => admin.createPartitions(topic, count, { dryRun }),
    alterTopicConfig: (topic, change, dryRun) => admin.alterTopicConfig(topic, change, { dryRun }),
    offsetForTimestamp: async (topic, partition, timestamp) => {
      const read = await readPartition(http, topic, partition, { timestamp, limit: 1, maxBytes: 1 })
      return read.messages[0]?.offset ?? read.highWatermark
    },
    deleteRecords: (topic, partitions) => admin.deleteRecords(topic, partitions),
    listGroups: () => admin.listGroups(),
    describeGroup: (groupId) => admin.describeGroup(groupId),
    deleteGroup: (groupId) => admin.deleteGroup(groupId),
    resetOffsets: async (groupId, request) => (await admin.resetOffsets(groupId, request)).offsets,
  }
}

function abandoned(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(signal.reason ?? new Error('aborted'))
    if (signal.aborted) fail()
    else signal.addEventListener('abort', fail, { once: true })
  })
}
