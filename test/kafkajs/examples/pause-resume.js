/**
 * kafkajs's "Pause & Resume" (tulios/kafkajs docs/Consuming.md): pausing a topic when a dependency is
 * overloaded and resuming it after `retryAfter` seconds, then the same per partition while three
 * partitions are consumed at once, and listing what is paused. As written there but for the import and the
 * constructor; `sendToDependency` and `TooManyRequestsError` are the reader's, given by the caller, and so
 * are the groups. It reads `jobs` and hands back the consumers.
 */
import { Kafka } from 'kafdo/kafkajs'

export async function pauseTopic(kafdo, groupId, { sendToDependency, TooManyRequestsError }) {
  const kafka = new Kafka({ clientId: 'my-app', kafdo })
  const consumer = kafka.consumer({ groupId })

  await consumer.connect()
  await consumer.subscribe({ topic: 'jobs', fromBeginning: true })

  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      try {
        await sendToDependency(message)
      } catch (e) {
        if (e instanceof TooManyRequestsError) {
          consumer.pause([{ topic }])
          setTimeout(() => consumer.resume([{ topic }]), e.retryAfter * 1000)
        }

        throw e
      }
    },
  })

  return { consumer }
}

export async function pausePartition(kafdo, groupId, { sendToDependency, TooManyRequestsError }) {
  const kafka = new Kafka({ clientId: 'my-app', kafdo })
  const consumer = kafka.consumer({ groupId })

  await consumer.connect()
  await consumer.subscribe({ topic: 'jobs', fromBeginning: true })

  consumer.run({
    partitionsConsumedConcurrently: 3, // Default: 1
    eachMessage: async ({ topic, partition, message }) => {
      // This will be called up to 3 times concurrently
      try {
        await sendToDependency(message)
      } catch (e) {
        if (e instanceof TooManyRequestsError) {
          consumer.pause([{ topic, partitions: [partition] }])
          // Other partitions will keep fetching and processing, until if / when
          // they also get throttled
          setTimeout(() => {
            consumer.resume([{ topic, partitions: [partition] }])
            // Other partitions that are paused will continue to be paused
          }, e.retryAfter * 1000)

          const pausedTopicPartitions = consumer.paused()

          for (const topicPartitions of pausedTopicPartitions) {
            const { topic, partitions } = topicPartitions
            console.log({ topic, partitions })
          }
        }

        throw e
      }
    },
  })

  return { consumer }
}
