/**
 * `Kafka`, kafkajs's client (`src/index.js`), over Kafdo: `new Kafka({ clientId, kafdo: { url, token } })`
 * from any JavaScript runtime, `new Kafka({ clientId, kafdo: { env } })` inside a Worker. The rest of a
 * kafkajs configuration is accepted; broker settings (`brokers`, `ssl`, `sasl`, socket and connection
 * options) have no meaning here and are ignored with one warning.
 */
import { KafdoKafkaAdmin } from './admin.js'
import { logLevel } from './constants.js'
import { KafdoKafkaConsumer } from './consumer.js'
import { KafkaJSNonRetriableError } from './errors.js'
import { KafkaContext } from './kafka-context.js'
import { createLogger } from './logger.js'
import { KafdoKafkaProducer } from './producer.js'
import type { Logger } from './types/common.js'
import type { AdminConfig, ConsumerConfig, KafkaConfig, ProducerConfig } from './types/config.js'
import type { Admin } from './types/admin.js'
import type { Consumer } from './types/consumer.js'
import type { Producer } from './types/producer.js'

const IGNORED_BROKER_SETTINGS = [
  'brokers',
  'ssl',
  'sasl',
  'socketFactory',
  'connectionTimeout',
  'authenticationTimeout',
  'reauthenticationThreshold',
  'enforceRequestTimeout',
] as const

export class Kafka {
  readonly #context: KafkaContext
  readonly #logger: Logger

  constructor(config: KafkaConfig) {
    const { kafdo, clientId = 'kafkajs', retry, requestTimeout = 30_000, logLevel: level = logLevel.INFO, logCreator } = config ?? ({} as KafkaConfig)
    this.#logger = createLogger({ level, ...(logCreator ? { logCreator } : {}) })
    if (!kafdo || typeof kafdo !== 'object') {
      throw new KafkaJSNonRetriableError(
        "kafdo/kafkajs needs to know where Kafdo is: new Kafka({ clientId, kafdo: { url, token } }) over HTTP, or new Kafka({ clientId, kafdo: { env } }) inside a Worker ('brokers' cannot be used: Kafdo does not speak Kafka's wire protocol)",
      )
    }
    if (kafdo.url !== undefined && kafdo.env !== undefined)
      throw new KafkaJSNonRetriableError('kafdo: give url (HTTP) or env (inside a Worker), not both')
    if (kafdo.env !== undefined) {
      const env = kafdo.env as unknown as Record<string, unknown>
      const missing = ['TOPIC_PARTITION', 'CONSUMER_GROUP', 'CLUSTER_METADATA'].filter((name) => !env?.[name])
      if (missing.length > 0)
        throw new KafkaJSNonRetriableError(`kafdo.env lacks the Durable Object bindings ${missing.join(', ')} (see docs/worker-api.md)`)
    } else if (!isAbsoluteUrl(kafdo.url)) {
      throw new KafkaJSNonRetriableError(`kafdo.url must be an absolute URL (where Kafdo answers), got ${String(kafdo.url)}`)
    }
    if (!(Number.isFinite(requestTimeout) && requestTimeout > 0)) {
      throw new KafkaJSNonRetriableError(`requestTimeout must be a positive number of milliseconds, got ${String(requestTimeout)}`)
    }
    this.#context = new KafkaContext(kafdo, { logger: this.#logger, retry: retry ?? {}, clientId, requestTimeout })
    const ignored = IGNORED_BROKER_SETTINGS.filter((name) => config[name] !== undefined)
    if (ignored.length > 0) {
      this.#context.warn(
        'broker-settings',
        `${ignored.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} ignored: kafdo/kafkajs reaches Kafdo through kafdo (${kafdo.env ? 'the Worker bindings' : 'HTTP, authenticated with kafdo.token'}), not Kafka brokers`,
        { ignored },
      )
    }
  }

  producer(config?: ProducerConfig): Producer {
    return new KafdoKafkaProducer(this.#context, config)
  }

  consumer(config: ConsumerConfig): Consumer {
    return new KafdoKafkaConsumer(this.#context, config)
  }

  admin(config?: AdminConfig): Admin {
    return new KafdoKafkaAdmin(this.#context, config)
  }

  logger(): Logger {
    return this.#logger
  }
}

function isAbsoluteUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}
