/**
 * kafkajs's "Getting Started" (tulios/kafkajs docs/GettingStarted.md), as written there but for the
 * import and the `Kafka` constructor's `kafdo` option. It expects `test-topic` to exist (kafkajs's relies
 * on the broker creating it). It hands back the consumer so the caller can stop it.
 */
import { Kafka } from 'kafdo/kafkajs'

export default async function gettingStarted(kafdo) {
  const kafka = new Kafka({
    clientId: 'my-app',
    kafdo,
  })

  const producer = kafka.producer()

  await producer.connect()
  await producer.send({
    topic: 'test-topic',
    messages: [{ value: 'Hello KafkaJS user!' }],
  })

  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: 'test-group' })

  await consumer.connect()
  await consumer.subscribe({ topic: 'test-topic', fromBeginning: true })

  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      console.log({
        value: message.value.toString(),
      })
    },
  })

  return { consumer }
}
