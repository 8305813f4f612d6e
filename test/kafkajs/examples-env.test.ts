/** kafkajs's documented examples inside a Worker, over the bindings: `new Kafka({ clientId, kafdo: { env } })`. */
import { env } from 'cloudflare:test'
import { describe } from 'vitest'
import { exampleTests } from './examples-suite'

describe('kafkajs examples > over the Worker bindings', () => exampleTests({ env }))
