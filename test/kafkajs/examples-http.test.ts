/** kafkajs's documented examples over HTTP (the Worker under test through SELF.fetch): `new Kafka({ clientId, kafdo: { url } })`. */
import { describe } from 'vitest'
import { exampleTests } from './examples-suite'
import { BASE_URL, workerFetch } from './support'

describe('kafkajs examples > over HTTP', () => exampleTests({ url: BASE_URL, fetch: workerFetch }))
