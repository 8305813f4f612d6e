/**
 * kafkajs's "Seek" (tulios/kafkajs docs/Consuming.md), as written there but for the import and the
 * constructor (and the group, which the docs leave to the reader). It expects `example` to hold more
 * than 12384 records in partition 0, and hands back the consumer.
 */
import { Kafka } from 'kafdo/kafkajs'

export default async function seek(kafdo, groupId) {
  const kafka = new Kafka({ clientId: 'my-app', kafdo })
  const consumer = kafka.consumer({ groupId })

  await consumer.connect()
  await consumer.subscribe({ topic: 'example' })

  // you don't need to await consumer#run
  consumer.run({ eachMessage: async ({ topic, message }) => true })
  consumer.seek({ topic: 'example', partition: 0, offset: 12384 })

  return { consumer }
}
