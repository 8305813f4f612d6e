/** Kafdo's own Worker: the HTTP API, and the Durable Object classes its wrangler.toml binds. */
import type { KafdoEnv } from './env.js'
import { createApp } from './http/app.js'

export { TopicPartitionDO } from './durable-objects/topic-partition.js'
export { ConsumerGroupDO } from './durable-objects/consumer-group.js'
export { ClusterMetadataDO } from './durable-objects/cluster-metadata.js'
export { TenantQuotaDO } from './durable-objects/tenant-quota.js'
export { TenantMonitorDO } from './durable-objects/tenant-monitor.js'

const app = createApp()

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<KafdoEnv>
