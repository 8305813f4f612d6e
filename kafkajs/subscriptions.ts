/**
 * kafkajs's `subscribe` argument checks and RegExp subscriptions: a RegExp is matched (with its own flags,
 * `RegExp.test`) against the topics that exist when `subscribe` is called, and topics created later are
 * not followed, as kafkajs documents.
 */
import { KafkaJSNonRetriableError } from './errors.js'
import type { ConsumerSubscribeTopic, ConsumerSubscribeTopics } from './types/consumer.js'

export async function subscriptionTopics(
  subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic,
  listTopics: () => Promise<string[]>,
): Promise<string[]> {
  const { topic, topics } = (subscription ?? {}) as { topic?: unknown; topics?: unknown }
  if (!topic && !topics) throw new KafkaJSNonRetriableError('Missing required argument "topics"')
  if (topics !== undefined && topics !== null && !Array.isArray(topics)) throw new KafkaJSNonRetriableError('Argument "topics" must be an array')
  const wanted: unknown[] = Array.isArray(topics) ? topics : [topic]
  for (const entry of wanted) {
    if (typeof entry !== 'string' && !(entry instanceof RegExp)) {
      throw new KafkaJSNonRetriableError(`Invalid topic ${String(entry)} (${typeof entry}), the topic name has to be a String or a RegExp`)
    }
  }
  const existing = wanted.some((entry) => entry instanceof RegExp) ? await listTopics() : []
  const names: string[] = []
  for (const entry of wanted as Array<string | RegExp>) {
    if (typeof entry === 'string') names.push(entry)
    else names.push(...existing.filter((name) => new RegExp(entry.source, entry.flags.replace('g', '')).test(name)))
  }
  return names
}
