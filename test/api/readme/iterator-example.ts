// The Kafdo README's "Using Async Iterator" and "Rebalance Listener" examples, as written, each wrapped in
// a function so a test can run them with its own env and config.
import { createConsumer, type ConsumerConfig } from '../../../src/index'

export async function asyncIteratorExample(env: Env) {
  const consumer = createConsumer(env, { groupId: 'my-group' })
  await consumer.subscribe(['orders'])

  for await (const record of consumer) {
    console.log(`Processing: ${record.key}`)
    // Process each record as it arrives
  }
}

export function rebalanceListenerExample(env: Env, config: ConsumerConfig) {
  const consumer = createConsumer(env, config, {
    async onPartitionsAssigned(partitions) {
      console.log('Assigned:', partitions)
    },
    async onPartitionsRevoked(partitions) {
      console.log('Revoked:', partitions)
    },
  })
  return consumer
}
