// The Kafdo README's "Consumer API" example, as written.
import { createConsumer } from '../../../src/index'

export default {
  async fetch(request: Request, env: Env) {
    const consumer = createConsumer(env, {
      groupId: 'order-processor',
      clientId: 'worker-1',
      autoCommit: true,
      fromBeginning: false,
    })

    // Subscribe to topics
    await consumer.subscribe(['orders'])

    // Poll for messages
    const records = await consumer.poll(1000)

    for (const record of records) {
      console.log(`Received: ${record.key} = ${JSON.stringify(record.value)}`)
      console.log(`Topic: ${record.topic}, Partition: ${record.partition}, Offset: ${record.offset}`)
    }

    // Manual commit (if autoCommit is false)
    await consumer.commit()

    await consumer.close()

    return new Response(`Processed ${records.length} messages`)
  },
}
