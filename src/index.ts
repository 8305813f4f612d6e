/**
 * Kafdo's package entry (`import … from 'kafdo'`): the in-Worker API and the three Durable Object
 * classes, which a Worker embedding Kafdo re-exports from its own main module. Kafdo's own Worker is
 * `worker.ts`: a Worker's main module may export only handlers and classes, so it is kept apart.
 */
export { TopicPartitionDO } from './durable-objects/topic-partition.js'
export { ConsumerGroupDO } from './durable-objects/consumer-group.js'
export { ClusterMetadataDO } from './durable-objects/cluster-metadata.js'
export { TenantQuotaDO } from './durable-objects/tenant-quota.js'
export { TenantMonitorDO } from './durable-objects/tenant-monitor.js'
export type { MonitorMetrics } from './protocol/tenant-rpc.js'
export { createProducer, Producer, type ProducerConfig } from './api/producer.js'
export { createAdmin, Admin, type AdminConfig } from './api/admin.js'
export { createConsumer, Consumer, type ConsumerConfig, type ConsumerRecord, type RebalanceListener } from './api/consumer.js'
export { createQueueConsumer, QueueConsumer, type QueueConsumerConfig } from './api/queue-consumer.js'
export type { RetryPolicy } from './protocol/queues.js'
export { createApp } from './http/app.js'
export { createTenantTopics, deleteTenant as deleteTenantTopics } from './services/tenants.js'
export type { KafdoEnv, KafdoBindings } from './env.js'
export * from './protocol/index.js'
