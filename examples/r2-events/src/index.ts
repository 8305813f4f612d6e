/**
 * An example Worker embedding Kafdo: Kafdo's HTTP API and Durable Objects, uploads to R2, and a Queue
 * consumer that bridges R2 event notifications into `r2.<bucket>` topics with `R2EventBridge`. In your
 * own Worker the two imports below are `kafdo` and `kafdo/integrations`.
 */
import { createR2EventBridge } from '../../../integrations/index.js'
import { createApp } from '../../../src/index.js'
import { keyPrefixes, type Env } from './env.js'
import { addUploadRoutes } from './uploads.js'

export { TopicPartitionDO, ConsumerGroupDO, ClusterMetadataDO } from '../../../src/index.js'

const app = createApp()
addUploadRoutes(app)

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),

  /**
   * The README's Queue consumer, with acknowledgements per message: each message is acked once its
   * record is written (or the filter skipped it), and only messages whose write failed are retried.
   */
  async queue(batch, env) {
    const bridge = createR2EventBridge({ env, topicPattern: 'r2.{bucket}', keyPrefixFilter: keyPrefixes(env) })
    const result = await bridge.processBatch(batch)
    if (result.retried > 0) console.warn(JSON.stringify({ level: 'warn', message: 'R2 events will be retried', queue: batch.queue, ...result }))
  },
} satisfies ExportedHandler<Env>
