/**
 * kafkajs's `eachBatch` examples (tulios/kafkajs docs/Consuming.md, "eachBatch" and its "Example"), as
 * written there but for the import and the constructor. The first logs each message of each batch; the
 * second resolves messages one by one, without auto-resolve, handing each to `processMessage`. They read
 * `topic-eb` from the beginning, in groups `eb-log` and `eb-process`, and hand back both consumers.
 */
import { Kafka } from 'kafdo/kafkajs'

export default async function eachBatch(kafdo, processMessage) {
  const kafka = new Kafka({ clientId: 'my-app', kafdo })

  const consumer = kafka.consumer({ groupId: 'eb-log' })
  await consumer.connect()
  await consumer.subscribe({ topic: 'topic-eb', fromBeginning: true })

  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (let message of batch.messages) {
        console.log({
          topic: batch.topic,
          partition: batch.partition,
          highWatermark: batch.highWatermark,
          message: {
            offset: message.offset,
            key: message.key.toString(),
            value: message.value.toString(),
            headers: message.headers,
          },
        })

        resolveOffset(message.offset)
        await heartbeat()
      }
    },
  })

  const processing = kafka.consumer({ groupId: 'eb-process' })
  await processing.connect()
  await processing.subscribe({ topic: 'topic-eb', fromBeginning: true })

  await processing.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (let message of batch.messages) {
        if (!isRunning() || isStale()) break
        await processMessage(message)
        resolveOffset(message.offset)
        await heartbeat()
      }
    },
  })

  return { consumer, processing }
}
