/**
 * Helpers for the kafdo/kafkajs tests: `Kafka` clients over HTTP (the Worker under test through
 * `SELF.fetch`) and over the bindings (`env`), quiet by default, unique names, and waiting for a
 * condition (never for a length of time).
 */
import { env, SELF } from 'cloudflare:test'
import { Kafka, logLevel, type KafdoFetch, type KafkaConfig, type LogEntry } from '../../kafkajs/index.js'

export const BASE_URL = 'http://kafdo.test'
export const workerFetch: KafdoFetch = (input, init) => SELF.fetch(input, init)

export const overHttp = (extra: Partial<KafkaConfig> & { fetch?: KafdoFetch } = {}) => {
  const { fetch = workerFetch, ...config } = extra
  return new Kafka({ clientId: 'test', logLevel: logLevel.NOTHING, kafdo: { url: BASE_URL, fetch }, ...config })
}

export const overEnv = (extra: Partial<KafkaConfig> = {}) => new Kafka({ clientId: 'test', logLevel: logLevel.NOTHING, kafdo: { env }, ...extra })

let counter = 0
export function unique(prefix: string): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`
}

/** Resolves once `condition` holds, checking every few milliseconds; fails after `ms` with `what`. */
export async function until(condition: () => boolean | Promise<boolean>, what = 'the condition', ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A logCreator that keeps entries, to check the warnings kafdo/kafkajs gives. */
export function recordingLogger(): { logCreator: KafkaConfig['logCreator']; entries: LogEntry[] } {
  const entries: LogEntry[] = []
  return { logCreator: () => (entry) => entries.push(entry), entries }
}
