/**
 * Kafdo's errors as kafkajs's: every code has Kafka's name (or its own) and keeps Kafdo's `retriable`;
 * network failures, the client's timeouts and offsets out of range get kafkajs's own classes; the
 * retrier retries only what is retriable, wraps what ran out of retries, and passes the rest on as is.
 */
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, KafdoError, type ErrorCode } from '../../src/protocol/errors'
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSOffsetOutOfRange,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from '../../kafkajs/index.js'
import { toKafkaJSError } from '../../kafkajs/from-kafdo'
import { retrying } from '../../kafkajs/retry'

describe('kafdo/kafkajs > errors from Kafdo', () => {
  it("gives every Kafdo code Kafka's error name and number where Kafka has one, keeping Kafdo's retriable", () => {
    const kafka: Partial<Record<ErrorCode, [string, number]>> = {
      UNKNOWN_TOPIC_OR_PARTITION: ['UNKNOWN_TOPIC_OR_PARTITION', 3],
      TOPIC_ALREADY_EXISTS: ['TOPIC_ALREADY_EXISTS', 36],
      INVALID_CONFIG: ['INVALID_CONFIG', 40],
      RECORD_TOO_LARGE: ['MESSAGE_TOO_LARGE', 10],
      UNKNOWN_MEMBER_ID: ['UNKNOWN_MEMBER_ID', 25],
      FENCED_MEMBER_EPOCH: ['FENCED_MEMBER_EPOCH', 110],
      STALE_MEMBER_EPOCH: ['STALE_MEMBER_EPOCH', 113],
      NON_EMPTY_GROUP: ['NON_EMPTY_GROUP', 68],
      GROUP_ID_NOT_FOUND: ['GROUP_ID_NOT_FOUND', 69],
      THROTTLING_QUOTA_EXCEEDED: ['THROTTLING_QUOTA_EXCEEDED', 89],
      SERVICE_UNAVAILABLE: ['LEADER_NOT_AVAILABLE', 5],
      REQUEST_TIMED_OUT: ['REQUEST_TIMED_OUT', 7],
      UNAUTHENTICATED: ['SASL_AUTHENTICATION_FAILED', 58],
      PARTITION_NOT_ASSIGNED: ['PARTITION_NOT_ASSIGNED', -1],
    }
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      if (code === 'OFFSET_OUT_OF_RANGE') continue
      const mapped = toKafkaJSError(new KafdoError(code, `a ${code}`))
      expect(mapped, code).toBeInstanceOf(KafkaJSProtocolError)
      const error = mapped as KafkaJSProtocolError
      expect([error.name, error.message, error.retriable], code).toEqual(['KafkaJSProtocolError', `a ${code}`, ERROR_CODES[code].retriable])
      if (kafka[code]) expect([error.type, error.code], code).toEqual(kafka[code])
      expect(error.type, code).toMatch(/^[A-Z_]+$/)
    }
  })

  it('names what an authorization failure refused: a topic, a group or the cluster', () => {
    const type = (missing: string) => (toKafkaJSError(new KafdoError('FORBIDDEN', 'no', { missing })) as KafkaJSProtocolError).type
    expect([type('produce@orders'), type('group:read@g'), type('admin')]).toEqual([
      'TOPIC_AUTHORIZATION_FAILED',
      'GROUP_AUTHORIZATION_FAILED',
      'CLUSTER_AUTHORIZATION_FAILED',
    ])
  })

  it("uses kafkajs's own classes for an offset out of range, a network failure and the client's timeout", () => {
    const range = toKafkaJSError(new KafdoError('OFFSET_OUT_OF_RANGE', 'out', { topic: 't', partition: 2 }))
    expect(range).toBeInstanceOf(KafkaJSOffsetOutOfRange)
    expect(range).toMatchObject({ type: 'OFFSET_OUT_OF_RANGE', code: 1, topic: 't', partition: 2, retriable: false })
    const network = toKafkaJSError(new KafdoError('SERVICE_UNAVAILABLE', 'network error on GET /health: refused', { cause: 'refused' }), 'kafdo.test')
    expect(network).toBeInstanceOf(KafkaJSConnectionError)
    expect(network).toMatchObject({ broker: 'kafdo.test', retriable: true })
    const timeout = toKafkaJSError(new KafdoError('REQUEST_TIMED_OUT', 'slow', { timeoutMs: 30_000 }))
    expect(timeout).toBeInstanceOf(KafkaJSRequestTimeoutError)
    expect((timeout as KafkaJSError).retriable).toBe(true)
  })
})

describe('kafdo/kafkajs > the retrier', () => {
  const quick = { initialRetryTime: 1, maxRetryTime: 2, retries: 2 }

  it('retries a retriable failure and answers the success', async () => {
    let calls = 0
    const answer = await retrying(quick, async () => {
      if (++calls < 3) throw new KafdoError('SERVICE_UNAVAILABLE', 'busy')
      return 'done'
    })
    expect([answer, calls]).toEqual(['done', 3])
  })

  it('wraps a retriable failure that outlasts the retries in KafkaJSNumberOfRetriesExceeded, its cause the protocol error', async () => {
    let calls = 0
    const error = await retrying(quick, async () => {
      calls++
      throw new KafdoError('THROTTLING_QUOTA_EXCEEDED', 'slow down')
    }).catch((e: unknown) => e)
    expect(calls).toBe(3)
    expect(error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded)
    expect(error).toBeInstanceOf(KafkaJSNonRetriableError)
    expect(error).toMatchObject({ retryCount: 2, retriable: false })
    expect((error as Error).cause).toMatchObject({ name: 'KafkaJSProtocolError', type: 'THROTTLING_QUOTA_EXCEEDED', retriable: true })
  })

  it('never retries a non-retriable failure, a programming error, or a bail', async () => {
    for (const failure of [new KafdoError('TOPIC_ALREADY_EXISTS', 'exists'), new TypeError('bug'), new KafkaJSNonRetriableError('no')]) {
      let calls = 0
      const error = await retrying(quick, async () => {
        calls++
        throw failure
      }).catch((e: unknown) => e)
      expect(calls).toBe(1)
      expect((error as Error).name).toBe(failure instanceof KafdoError ? 'KafkaJSProtocolError' : failure.name)
    }
    const bailed = await retrying(quick, async (bail) => bail(new Error('enough'))).catch((e: unknown) => e)
    expect((bailed as Error).message).toBe('enough')
  })
})
