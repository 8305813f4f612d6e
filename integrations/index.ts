/**
 * `kafdo/integrations`: MongoDB change events through `KafdoPipeline`, and R2 event notifications through
 * `R2EventBridge` as a Queue consumer, with the consumer-side helpers that read them back.
 */
export {
  KafdoPipeline,
  createKafdoPipeline,
  createFixedTopicPipeline,
  createDatabaseTopicPipeline,
  createCollectionTopicPipeline,
  DEFAULT_CDC_PARTITIONS,
  type KafdoPipelineConfig,
} from './mongodb/pipeline.js'
export { processCDCMessage, type CDCHandlers } from './mongodb/consumer.js'
export {
  isCDCEvent,
  isDocumentEvent,
  isInsertEvent,
  isUpdateEvent,
  isReplaceEvent,
  isDeleteEvent,
  isDropEvent,
  isRenameEvent,
  isDropDatabaseEvent,
  isInvalidateEvent,
} from './mongodb/guards.js'
export * from './mongodb/types.js'
export {
  R2EventBridge,
  createR2EventBridge,
  DEFAULT_R2_TOPIC_PATTERN,
  DEFAULT_R2_PARTITIONS,
  type R2EventBridgeConfig,
  type R2BatchResult,
  type QueueMessageLike,
} from './r2/bridge.js'
export { processR2Event, type R2EventHandlers } from './r2/consumer.js'
export * from './r2/types.js'
export type { IntegrationMessage, MessageContext, OneOrMany } from './internal/message.js'
export { canonicalJson } from './internal/canonical-json.js'
