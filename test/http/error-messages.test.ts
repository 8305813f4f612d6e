import { beforeAll, describe, expect, it } from 'vitest'
import { createTopic, latestOffsets, request, uniqueName } from '../support/http'

/**
 * Bad input across the API, with the 400 each gets. Every message names the field (in JavaScript path
 * form, the records of a produce request as "record N:") and says what it takes, in Kafdo's words, never
 * the validation library's.
 */

const ZOD_JARGON = /nonoptional|Invalid input|expected|received|ZodError|Unrecognized key|Too small|Too big|Invalid option/i

interface Case {
  method: string
  path: (topic: string) => string
  body?: unknown
  message: string
  /** The paths of `details.issues`; the one field the message names when not given. */
  paths?: string[]
}

const produce = (topic: string) => `/topics/${topic}/produce`
const batch = (topic: string) => `/topics/${topic}/produce-batch`
const messages = (query: string) => (topic: string) => `/topics/${topic}/partitions/0/messages?${query}`
const queue = (action: string) => (topic: string) => `/queues/${topic}/${action}`
const fixed = (path: string) => () => path

const CASES: Case[] = [
  // produce
  { method: 'POST', path: produce, body: {}, message: 'value is required', paths: ['value'] },
  { method: 'POST', path: produce, body: { value: 1, foo: 2 }, message: 'unknown field "foo"', paths: ['foo'] },
  {
    method: 'POST',
    path: produce,
    body: { value: 1, timestamp: 'yesterday' },
    message: 'timestamp must be epoch milliseconds or an ISO-8601 date-time',
    paths: ['timestamp'],
  },
  { method: 'POST', path: produce, body: { value: 1, timestamp: -5 }, message: 'timestamp must be epoch milliseconds or an ISO-8601 date-time' },
  {
    method: 'POST',
    path: produce,
    body: { value: 1, timestamp: '1969-12-31T23:59:59Z' },
    message: 'timestamp must be epoch milliseconds or an ISO-8601 date-time',
  },
  { method: 'POST', path: produce, body: { value: 1, partition: -1 }, message: 'partition must be a non-negative integer', paths: ['partition'] },
  { method: 'POST', path: produce, body: { value: 1, key: 5 }, message: 'key must be a string', paths: ['key'] },
  { method: 'POST', path: produce, body: { value: 1, valueEncoding: 'hex' }, message: 'valueEncoding must be "json" or "base64"' },
  {
    method: 'POST',
    path: produce,
    body: { value: 1, headers: { source: 1 } },
    message: 'headers.source must be a string',
    paths: ['headers.source'],
  },
  {
    method: 'POST',
    path: produce,
    body: { value: 1, headers: { 'content-type': 5 } },
    message: 'headers["content-type"] must be a string',
    paths: ['headers["content-type"]'],
  },
  { method: 'POST', path: produce, body: { value: 1, headers: 'x' }, message: 'headers must be an object' },
  { method: 'POST', path: produce, body: { value: 1, ttlMs: 0 }, message: 'ttlMs must be an integer from 1 to 31536000000' },
  {
    method: 'POST',
    path: produce,
    body: { value: 1, producerId: 'dlq/x', sequence: 0 },
    message: "producerId cannot start with 'dlq/', which is reserved for dead-letter routing",
  },
  { method: 'POST', path: produce, body: [1], message: 'the request body must be an object', paths: [''] },
  {
    method: 'POST',
    path: () => '/topics/bad%20name!/produce',
    body: { value: 1 },
    message: 'topic may contain only ASCII letters, digits, ".", "_" and "-"',
  },
  // produce-batch
  { method: 'POST', path: batch, body: { records: [{}] }, message: 'record 0: value is required', paths: ['records[0].value'] },
  {
    method: 'POST',
    path: batch,
    body: { records: [{ value: 1 }, { vaule: 2 }] },
    message: 'record 1: value is required; record 1: unknown field "vaule"',
    paths: ['records[1].value', 'records[1].vaule'],
  },
  { method: 'POST', path: batch, body: { records: [5] }, message: 'record 0 must be an object', paths: ['records[0]'] },
  {
    method: 'POST',
    path: batch,
    body: { records: [{ value: 1, timestamp: 'soon' }] },
    message: 'record 0: timestamp must be epoch milliseconds or an ISO-8601 date-time',
    paths: ['records[0].timestamp'],
  },
  { method: 'POST', path: batch, body: {}, message: 'records is required' },
  { method: 'POST', path: batch, body: { records: 'x' }, message: 'records must be an array' },
  { method: 'POST', path: batch, body: { records: [] }, message: 'records must hold at least one record' },
  // fetch
  { method: 'GET', path: messages('offset=abc'), message: 'offset must be a non-negative integer, "earliest" or "latest"', paths: ['offset'] },
  { method: 'GET', path: messages('offset=-1'), message: 'offset must be a non-negative integer, "earliest" or "latest"' },
  { method: 'GET', path: messages('timestamp=abc'), message: 'timestamp must be epoch milliseconds or an ISO-8601 date-time' },
  { method: 'GET', path: messages('timestamp=1969-07-20T20:17:40Z'), message: 'timestamp must be epoch milliseconds or an ISO-8601 date-time' },
  { method: 'GET', path: messages('limit=0'), message: 'limit must be an integer from 1 to 10000' },
  { method: 'GET', path: messages('limit=abc'), message: 'limit must be an integer from 1 to 10000' },
  { method: 'GET', path: messages('maxWaitMs=99999999'), message: 'maxWaitMs must be an integer from 0 to 30000' },
  { method: 'GET', path: messages('reset=x'), message: 'reset must be "earliest", "latest" or "none"' },
  { method: 'GET', path: messages('foo=1'), message: 'unknown query parameter "foo"', paths: ['foo'] },
  { method: 'GET', path: (topic) => `/topics/${topic}/partitions/x/messages`, message: 'partition must be a non-negative integer' },
  // consumer groups
  { method: 'POST', path: fixed('/consumer-groups/g1/join'), body: {}, message: 'give exactly one of topics or pattern', paths: ['topics'] },
  {
    method: 'POST',
    path: fixed('/consumer-groups/g1/join'),
    body: { topics: ['t'], sessionTimeoutMs: 'x' },
    message: 'sessionTimeoutMs must be an integer from 1000 to 1800000',
  },
  {
    method: 'POST',
    path: fixed('/consumer-groups/g1/join'),
    body: { topics: ['a b'] },
    message: 'topics[0] may contain only ASCII letters, digits, ".", "_" and "-"',
    paths: ['topics[0]'],
  },
  {
    method: 'POST',
    path: fixed('/consumer-groups/g1/join'),
    body: { topics: ['t'], strategy: 'x' },
    message: 'strategy must be "range", "roundrobin", "sticky" or "uniform"',
  },
  { method: 'POST', path: fixed('/consumer-groups/g1/join'), body: { pattern: '([' }, message: 'pattern must be a valid regular expression' },
  {
    method: 'POST',
    path: fixed('/consumer-groups/g1/commit'),
    body: { offsets: [{ topic: 't', partition: 0 }] },
    message: 'offsets[0].offset is required',
    paths: ['offsets[0].offset'],
  },
  {
    method: 'POST',
    path: fixed('/consumer-groups/g1/heartbeat'),
    body: { memberId: 'm', memberEpoch: -1 },
    message: 'memberEpoch must be a non-negative integer',
  },
  {
    method: 'POST',
    path: fixed('/consumer-groups/g1/heartbeat'),
    body: { memberId: 'm', memberEpoch: 1, owned: [{ topic: 't', partitions: ['x'] }] },
    message: 'owned[0].partitions[0] must be a non-negative integer',
  },
  {
    method: 'POST',
    path: fixed('/consumer-groups/g1/fetch'),
    body: { memberId: 'm', memberEpoch: 1, partitions: [{ topic: 't', partition: 0, offset: 'soon' }] },
    message: 'partitions[0].offset must be a non-negative integer, "earliest" or "latest"',
  },
  {
    method: 'POST',
    path: fixed('/consumer-groups/g1/fetch'),
    body: { memberId: 'm', memberEpoch: 1, partitions: [] },
    message: 'partitions must not be empty',
  },
  { method: 'POST', path: fixed('/consumer-groups/g1/commit'), body: { memberId: 'm', memberEpoch: 1 }, message: 'offsets is required' },
  { method: 'POST', path: fixed('/consumer-groups/g%20h/leave'), body: { memberId: 'm' }, message: 'groupId must be printable ASCII without spaces' },
  // queues
  {
    method: 'POST',
    path: fixed('/queues'),
    body: { name: 'q', retry: { strategy: 'x' } },
    message: 'retry.strategy must be "fixed", "linear", "exponential" or "schedule"',
  },
  {
    method: 'POST',
    path: fixed('/queues'),
    body: { name: 'q', retry: { strategy: 'fixed', delayMs: -1 } },
    message: 'retry.delayMs must be an integer from 0 to 604800000; retry.maxAttempts is required',
    paths: ['retry.delayMs', 'retry.maxAttempts'],
  },
  { method: 'POST', path: fixed('/queues'), body: { name: 'q-dlq' }, message: "name cannot end in '-dlq', the suffix of dead-letter topics" },
  { method: 'POST', path: fixed('/queues'), body: { name: 'q', tags: ['a b'] }, message: 'tags[0] may contain only letters, digits and . _ : / = -' },
  { method: 'POST', path: queue('receive'), body: {}, message: 'consumerId is required' },
  { method: 'POST', path: queue('receive'), body: { consumerId: 'c', max: 0 }, message: 'max must be an integer from 1 to 1000' },
  {
    method: 'POST',
    path: queue('ack'),
    body: { consumerId: 'c', leaseIds: ['x'] },
    message: 'leaseIds[0] must be a lease id ("partition:offset:token") as receive returned it',
    paths: ['leaseIds[0]'],
  },
  { method: 'POST', path: queue('ack'), body: { consumerId: 'c', leaseIds: [] }, message: 'leaseIds must not be empty' },
  { method: 'POST', path: queue('nack'), body: { consumerId: 'c' }, message: 'leaseId is required' },
  {
    method: 'POST',
    path: queue('nack'),
    body: { consumerId: 'c', leaseId: '0:1:abcd', delayMs: -1 },
    message: 'delayMs must be an integer from 0 to 604800000',
  },
  {
    method: 'POST',
    path: queue('messages'),
    body: {},
    message: 'give one message (an object with a value) or messages, an array of them',
    paths: [''],
  },
  { method: 'POST', path: queue('messages'), body: { value: 1, foo: 1 }, message: 'unknown field "foo"', paths: ['foo'] },
  { method: 'POST', path: queue('messages'), body: { messages: [{}] }, message: 'record 0: value is required', paths: ['messages[0].value'] },
  { method: 'POST', path: queue('seek'), body: {}, message: 'give exactly one of offset, timestamp or to', paths: ['offset'] },
  {
    method: 'GET',
    path: (topic) => `/queues/${topic}/messages?timestamp=x`,
    message: 'timestamp must be epoch milliseconds or an ISO-8601 date-time',
  },
  // admin
  { method: 'POST', path: fixed('/admin/topics'), body: {}, message: 'topic is required' },
  { method: 'POST', path: fixed('/admin/topics'), body: { topic: 'ok', partitions: 'x' }, message: 'partitions must be an integer from 1 to 1024' },
  { method: 'POST', path: fixed('/admin/topics'), body: { topic: 'ok', partitions: 0 }, message: 'partitions must be an integer from 1 to 1024' },
  { method: 'POST', path: (topic) => `/admin/topics/${topic}/partitions`, body: { count: 2000 }, message: 'count must be an integer from 1 to 1024' },
  {
    method: 'POST',
    path: fixed('/admin/groups/g/reset-offsets'),
    body: { topic: 't' },
    message: 'give topic and one of to ("earliest" or "latest"), timestamp or offsets',
    paths: [''],
  },
  { method: 'POST', path: fixed('/admin/groups/g/reset-offsets'), body: { topic: 't', to: 'soon' }, message: 'to must be "earliest" or "latest"' },
  // API keys, audit, tenants, quotas
  { method: 'POST', path: fixed('/admin/api-keys'), body: { name: 'k' }, message: 'permissions is required' },
  { method: 'POST', path: fixed('/admin/api-keys'), body: { name: 'k', permissions: [] }, message: 'permissions must not be empty' },
  {
    method: 'POST',
    path: fixed('/admin/api-keys'),
    body: { name: 'k', permissions: ['produce'], expiresInSeconds: 5 },
    message: 'expiresInSeconds must be an integer from 60 to 157680000',
  },
  { method: 'DELETE', path: fixed('/admin/api-keys/zz'), message: 'keyId must be an API key id (16 hexadecimal digits)' },
  { method: 'GET', path: fixed('/admin/audit?since=x'), message: 'since must be epoch milliseconds or an ISO-8601 date-time' },
  {
    method: 'POST',
    path: fixed('/admin/tenants/Bad/provision'),
    body: {},
    message: 'tenant must be 1-63 lowercase letters, digits or "-", starting with a letter or digit',
  },
  { method: 'PUT', path: fixed('/admin/quotas'), body: { produceBytesPerSec: 0 }, message: 'produceBytesPerSec must be a positive integer' },
  // schema registry
  { method: 'POST', path: fixed('/subjects/s-value/versions'), body: {}, message: 'schema is required' },
  {
    method: 'POST',
    path: fixed('/subjects/s-value/versions'),
    body: { schema: '{}', schemaType: 'XML' },
    message: 'schemaType must be "AVRO" or "JSON"',
  },
  {
    method: 'POST',
    path: fixed('/subjects/s-value/versions'),
    body: { schema: '{}', references: [{}] },
    message: 'references must be empty: schema references are not supported',
  },
  { method: 'GET', path: fixed('/subjects/s-value/versions/x'), message: 'version must be a version number (1 or more) or "latest"' },
  { method: 'GET', path: fixed('/subjects/a%20b/versions'), message: 'subject may contain only letters, digits, ".", "_" and "-"' },
  {
    method: 'PUT',
    path: fixed('/config'),
    body: { compatibility: 'x' },
    message: 'compatibility must be "NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL" or "FULL_TRANSITIVE"',
  },
]

/** Without `paths`, a case is about one field: the one its message starts with. */
const pathsOf = (c: Case) => c.paths ?? [c.message.split(' ')[0]!]

/** How a message names the field at `path`: a produce record's index as "record N", then the rest. */
const namesOf = (path: string) => {
  const record = /^(?:records|messages)\[(\d+)\]\.?(.*)$/.exec(path)
  return record ? [`record ${record[1]}`, record[2]!].filter(Boolean) : [path]
}

describe('HTTP > 400 messages name the field and what it takes', () => {
  let topic: string
  beforeAll(async () => {
    topic = uniqueName('messages')
    await createTopic(topic)
  })

  it.each(CASES.map((c) => [`${c.method} ${c.path('T')} ${JSON.stringify(c.body) ?? ''}`, c] as const))('%s', async (_name, c) => {
    const res = await request(c.method, c.path(topic), c.body)

    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('INVALID_REQUEST')
    expect(res.body.error.message).toBe(c.message)
    const issues = res.body.error.details.issues as Array<{ path: string; message: string }>
    expect(issues.map((issue) => issue.message).join('; ')).toBe(c.message)
    expect(issues.map((issue) => issue.path)).toEqual(pathsOf(c))
    for (const issue of issues) for (const name of namesOf(issue.path)) expect(issue.message).toContain(name)
  })

  it('never speaks zod: no case says "expected", "received", "nonoptional" or "Invalid input"', async () => {
    for (const c of CASES) {
      const res = await request(c.method, c.path(topic), c.body)
      expect(res.body.error.message).not.toMatch(ZOD_JARGON)
      for (const issue of res.body.error.details.issues) expect(issue.message).not.toMatch(ZOD_JARGON)
    }
  })

  it('writes nothing for any refused produce', async () => {
    expect(await latestOffsets(topic)).toEqual([0])
  })
})
