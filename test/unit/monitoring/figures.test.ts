import { describe, expect, it } from 'vitest'
import { groupFigures, topicFigures, type FigureReads } from '../../../src/core/monitoring/figures'
import type { GroupDescription } from '../../../src/protocol/group-answers'
import { EMPTY_PARTITION_METRICS, type PartitionMetrics } from '../../../src/protocol/partition-rpc'
import { DEFAULT_QUEUE_POLICY } from '../../../src/protocol/queues'
import { DEFAULT_TOPIC_CONFIG } from '../../../src/protocol/topic-config'
import type { TopicMetadata } from '../../../src/protocol/topics'

const topic = (name: string, partitions: number): TopicMetadata => ({
  topic: name,
  topicId: `${name}-id`,
  partitions,
  config: DEFAULT_TOPIC_CONFIG,
  queue: DEFAULT_QUEUE_POLICY,
  createdAt: 0,
})

const partition = (logStart: number, logEnd: number, extra: Partial<PartitionMetrics> = {}): PartitionMetrics => ({
  ...EMPTY_PARTITION_METRICS,
  initialized: true,
  logStart,
  logEnd,
  ...extra,
})

/** Reads over fixed answers: partitions by topic name, the topics that exist, groups by id. */
function readsOf(partitions: Record<string, Array<PartitionMetrics | undefined>>, groups: Record<string, GroupDescription> = {}): FigureReads {
  return {
    partitionsMetrics: async (t) => partitions[t.topic] ?? [],
    findTopic: async (name) => (partitions[name] ? topic(name, partitions[name].length) : undefined),
    describeGroup: async (groupId) => groups[groupId]!,
  }
}

describe('Monitoring > figures read through a port', () => {
  it("sums a topic's partitions, counts the ones that did not answer, and reads its DLQ's depth when there is one", async () => {
    const orders = [
      partition(0, 10, {
        sizeBytes: 100,
        deadLettered: 2,
        shareGroups: [{ group: 'default', ready: 3, inFlight: 1, delayed: 0, oldestTimestamp: 1_000 }],
      }),
      undefined,
      partition(5, 8, { sizeBytes: 50 }),
    ]
    const figures = await topicFigures(readsOf({ orders, 'orders-dlq': [partition(0, 4)] }), topic('orders', 3), [], 3_000)
    expect(figures).toMatchObject({ partitions: 3, records: 13, sizeBytes: 150, deadLettered: 2, dlqDepth: 4, unreachable: 1 })
    expect(figures.queues.get('default')).toEqual({ group: 'default', depth: 4, ready: 3, inFlight: 1, delayed: 0, oldestMessageAgeMs: 2_000 })
    expect((await topicFigures(readsOf({ orders }), topic('orders', 3), [], 3_000)).dlqDepth).toBeNull()
  })

  it("takes a group's state, members, lag and epoch from its description", async () => {
    const description = {
      groupId: 'g',
      state: 'Stable',
      members: [{}, {}],
      offsets: [],
      lag: [
        { topic: 't', partition: 0, committed: 5, latest: 9, lag: 4 },
        { topic: 't', partition: 1, committed: null, latest: 3, lag: null },
      ],
      totalLag: 4,
      assignmentEpoch: 7,
    } as unknown as GroupDescription
    expect(await groupFigures(readsOf({}, { g: description }), 'g')).toEqual({
      state: 'Stable',
      members: 2,
      lag: 4,
      maxPartitionLag: 4,
      epoch: 7,
      partitions: [
        { topic: 't', partition: 0, committed: 5, lag: 4 },
        { topic: 't', partition: 1, committed: null, lag: null },
      ],
    })
  })
})
