// The Kafdo README's "R2 Event Bridge" example, as written: the configured bridge (wrapped in a function
// that gives it `env`) and the Queue consumer Worker.
import { createR2EventBridge, R2EventBridge } from '../../../integrations/index'

export function configuredBridge(env: Env) {
  // Create an event bridge
  const bridge = createR2EventBridge({
    env,
    topicPattern: 'r2.{bucket}', // e.g., r2.my-bucket
    bucketFilter: 'my-bucket', // Optional: filter by bucket
    keyPrefixFilter: 'uploads/', // Optional: filter by key prefix
  })
  return bridge
}

// Process R2 events (typically in a Queue consumer)
export default {
  async queue(batch: MessageBatch, env: Env) {
    const bridge = createR2EventBridge({ env })

    for (const message of batch.messages) {
      const event = R2EventBridge.parseQueueMessage(message)
      if (event) {
        await bridge.processEvent(event)
      }
    }
  },
}
