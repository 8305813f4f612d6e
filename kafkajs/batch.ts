/**
 * kafkajs's `Batch` (`src/consumer/batch.js`): one partition's messages from one fetch, with its high
 * watermark and the lag helpers kafkajs computes from them. Kafdo has no control records or aborted
 * transactions to filter, so every fetched message is in `messages`.
 */
import type { Batch as BatchShape } from './types/consumer.js'
import type { KafkaMessage } from './types/common.js'

export class Batch implements BatchShape {
  readonly topic: string
  readonly partition: number
  readonly highWatermark: string
  readonly messages: KafkaMessage[]
  /** The offset the fetch started from. */
  readonly fetchedOffset: string

  constructor(topic: string, partition: number, fetchedOffset: number, highWatermark: number, messages: KafkaMessage[]) {
    this.topic = topic
    this.partition = partition
    this.fetchedOffset = String(fetchedOffset)
    this.highWatermark = String(highWatermark)
    this.messages = messages
  }

  isEmpty(): boolean {
    return this.messages.length === 0
  }

  firstOffset(): string | null {
    return this.isEmpty() ? null : this.messages[0]!.offset
  }

  lastOffset(): string {
    return this.isEmpty() ? String(BigInt(this.highWatermark) - 1n) : this.messages[this.messages.length - 1]!.offset
  }

  /** Lag after the batch's last message: highWatermark - 1 - lastOffset. */
  offsetLag(): string {
    return String(BigInt(this.highWatermark) - 1n - BigInt(this.lastOffset()))
  }

  /** Lag from the batch's first message: highWatermark - 1 - firstOffset. */
  offsetLagLow(): string {
    const first = this.firstOffset()
    return first === null ? '0' : String(BigInt(this.highWatermark) - 1n - BigInt(first))
  }
}
