/**
 * kafkajs's pause bookkeeping (`src/consumer/subscriptionState.js`): a whole topic or some of its
 * partitions, a whole-topic pause that later partition resumes punch holes in, and `paused()` listing only
 * assigned partitions. The consumer core is told which owned partitions are paused before each fetch.
 */
import type { TopicPartition, TopicPartitions } from './types/common.js'

interface TopicState {
  paused: Set<number>
  pauseAll: boolean
  resumed: Set<number>
}

export class PauseState {
  readonly #topics = new Map<string, TopicState>()

  #state(topic: string): TopicState {
    let state = this.#topics.get(topic)
    if (!state) this.#topics.set(topic, (state = { paused: new Set(), pauseAll: false, resumed: new Set() }))
    return state
  }

  pause(topicPartitions: ReadonlyArray<{ topic: string; partitions?: number[] }>): void {
    for (const { topic, partitions } of topicPartitions) {
      const state = this.#state(topic)
      if (partitions === undefined) {
        state.paused.clear()
        state.resumed.clear()
        state.pauseAll = true
      } else {
        for (const partition of partitions) {
          state.paused.add(partition)
          state.resumed.delete(partition)
        }
        state.pauseAll = false
      }
    }
  }

  resume(topicPartitions: ReadonlyArray<{ topic: string; partitions?: number[] }>): void {
    for (const { topic, partitions } of topicPartitions) {
      const state = this.#state(topic)
      if (partitions === undefined) {
        state.paused.clear()
        state.resumed.clear()
        state.pauseAll = false
      } else {
        for (const partition of partitions) {
          state.paused.delete(partition)
          if (state.pauseAll) state.resumed.add(partition)
        }
      }
    }
  }

  isPaused({ topic, partition }: TopicPartition): boolean {
    const state = this.#topics.get(topic)
    if (!state) return false
    return (state.pauseAll && !state.resumed.has(partition)) || state.paused.has(partition)
  }

  /** The paused ones among `assigned`, by topic, as kafkajs's `consumer.paused()` answers. */
  paused(assigned: readonly TopicPartition[]): TopicPartitions[] {
    const byTopic = new Map<string, number[]>()
    for (const tp of assigned) {
      if (this.isPaused(tp)) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }))
  }
}
