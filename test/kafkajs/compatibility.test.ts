/**
 * The pieces of kafdo/kafkajs that must give exactly kafkajs's answers, checked against kafkajs's own
 * modules: the partitioners (Java-compatible and legacy murmur2, a message's own partition, round robin),
 * the AssignerProtocol encodings, the log levels and logger, and the retry policy's waits.
 */
import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import kafkajsDefault from 'kafkajs/src/producer/partitioners/default/index.js'
import kafkajsLegacy from 'kafkajs/src/producer/partitioners/legacy/index.js'
import kafkajsAssignerProtocol from 'kafkajs/src/consumer/assignerProtocol.js'
import { retryDelay } from '../../src/core/backoff'
import { AssignerProtocol, CompressionTypes, logLevel, Partitioners, type LogEntry } from '../../kafkajs/index.js'
import { createLogger } from '../../kafkajs/logger'
import { partitionMetadata } from '../../kafkajs/producer'
import { retryPolicy } from '../../kafkajs/retry'

const keys = ['', 'a', 'abc', 'order-123', 'ключ', '键值🔑', ...Array.from({ length: 100 }, (_, i) => `key-${i * 7919}`)]

describe('kafdo/kafkajs > partitioners', () => {
  it("places keyed messages exactly where kafkajs's DefaultPartitioner and LegacyPartitioner do", () => {
    for (const [ours, theirs] of [
      [Partitioners.DefaultPartitioner, kafkajsDefault],
      [Partitioners.LegacyPartitioner, kafkajsLegacy],
    ] as const) {
      const mine = ours()
      const reference = theirs()
      for (const partitions of [1, 3, 6, 13]) {
        const partitionMetadataList = partitionMetadata(partitions)
        for (const key of keys) {
          for (const message of [
            { key, value: null },
            { key: Buffer.from(key), value: null },
          ]) {
            const args = { topic: 't', partitionMetadata: partitionMetadataList, message }
            expect(mine(args), `${key} over ${partitions}`).toBe(reference(args))
          }
        }
      }
    }
    expect(Partitioners.JavaCompatiblePartitioner).toBe(Partitioners.DefaultPartitioner)
  })

  it("keeps a message's own partition, and spreads keyless messages round robin", () => {
    const partition = Partitioners.DefaultPartitioner()
    const partitionMetadataList = partitionMetadata(3)
    expect(partition({ topic: 't', partitionMetadata: partitionMetadataList, message: { key: 'k', value: 'v', partition: 2 } })).toBe(2)
    const spread = Array.from({ length: 6 }, () => partition({ topic: 't', partitionMetadata: partitionMetadataList, message: { value: 'v' } }))
    expect(new Set(spread)).toEqual(new Set([0, 1, 2]))
    expect(spread.slice(0, 3).sort()).toEqual([0, 1, 2])
  })
})

describe('kafdo/kafkajs > AssignerProtocol', () => {
  it("encodes and decodes member metadata and assignments byte for byte as kafkajs's", () => {
    const metadata = { version: 1, topics: ['orders', 'payments'], userData: Buffer.from('ud') }
    const assignment = { version: 0, assignment: { orders: [0, 2], payments: [1] }, userData: Buffer.alloc(0) }
    expect(AssignerProtocol.MemberMetadata.encode(metadata)).toEqual(kafkajsAssignerProtocol.MemberMetadata.encode(metadata))
    expect(AssignerProtocol.MemberAssignment.encode(assignment)).toEqual(kafkajsAssignerProtocol.MemberAssignment.encode(assignment))
    expect(AssignerProtocol.MemberMetadata.decode(kafkajsAssignerProtocol.MemberMetadata.encode(metadata))).toEqual(metadata)
    expect(AssignerProtocol.MemberAssignment.decode(kafkajsAssignerProtocol.MemberAssignment.encode(assignment))).toEqual(assignment)
    expect(AssignerProtocol.MemberAssignment.decode(Buffer.alloc(0))).toBeNull()
  })
})

describe('kafdo/kafkajs > constants and logger', () => {
  it("has kafkajs's values", () => {
    expect([logLevel.NOTHING, logLevel.ERROR, logLevel.WARN, logLevel.INFO, logLevel.DEBUG]).toEqual([0, 1, 2, 4, 5])
    expect([CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]).toEqual([
      0, 1, 2, 3, 4,
    ])
  })

  it('logs at and above its level, under namespaces, through the logCreator', () => {
    const entries: LogEntry[] = []
    const logger = createLogger({ level: logLevel.WARN, logCreator: () => (entry) => entries.push(entry) })
    const producer = logger.namespace('Producer')
    producer.info('quiet')
    producer.warn('loud', { extra: 1 })
    logger.error('root')
    expect(entries.map(({ namespace, label, log }) => [namespace, label, log.message, log.extra])).toEqual([
      ['Producer', 'WARN', 'loud', 1],
      ['', 'ERROR', 'root', undefined],
    ])
    logger.setLogLevel(logLevel.DEBUG)
    producer.debug('now heard')
    expect(entries.at(-1)?.log.message).toBe('now heard')
  })
})

describe('kafdo/kafkajs > retry policy', () => {
  it("waits as kafkajs's retrier does: initialRetryTime ± factor, times multiplier each retry, capped at maxRetryTime", () => {
    const policy = retryPolicy({ initialRetryTime: 300, factor: 0.2, multiplier: 2, maxRetryTime: 2_000, retries: 5 })
    const band = (attempt: number) => [retryDelay(policy, attempt, () => 0.999999), retryDelay(policy, attempt, () => 0)]
    expect(band(1)).toEqual([240, 360])
    expect(band(2)).toEqual([480, 720])
    expect(band(3)).toEqual([960, 1440])
    expect(band(4)[1]).toBe(2_000)
    expect(policy.maxAttempts).toBe(6)
    expect(retryPolicy({ retries: 0 }).maxAttempts).toBe(1)
  })
})
