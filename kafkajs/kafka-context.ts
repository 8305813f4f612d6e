/**
 * What a `Kafka` instance shares with the producers, consumers and admins it makes: the logger, the
 * client-wide retry options, the warnings already given, and how to reach Kafdo. The env transport is
 * loaded with a dynamic import, only when `kafdo.env` is given, so `kafdo/kafkajs` over HTTP (in Node,
 * a browser, Deno) never loads the Worker's code; a bundler (wrangler's esbuild) still includes it.
 */
import type { KafdoBindings } from '../src/env.js'
import { KafkaJSNonRetriableError } from './errors.js'
import { httpTransport } from './http-transport.js'
import type { Instrumentation } from './instrumentation.js'
import { warnOnce } from './logger.js'
import type { RequestInfo, Transport, TransportHooks } from './transport.js'
import type { Logger, RetryOptions } from './types/common.js'
import type { KafdoOptions } from './types/config.js'

/** A Worker's consumer lives one request: by default `run()` consumes this long, then resolves. */
export const DEFAULT_WORKER_RUN_BUDGET_MS = 10_000

let correlationId = 0

export class KafkaContext {
  readonly logger: Logger
  readonly retry: RetryOptions
  readonly clientId: string
  /** How long `consumer.run()` consumes before resolving; undefined: until `stop()`. */
  readonly runBudgetMs: number | undefined
  readonly #options: KafdoOptions
  readonly #requestTimeout: number
  readonly #warned = new Set<string>()

  constructor(options: KafdoOptions, settings: { logger: Logger; retry: RetryOptions; clientId: string; requestTimeout: number }) {
    this.#options = options
    this.logger = settings.logger
    this.retry = settings.retry
    this.clientId = settings.clientId
    this.#requestTimeout = settings.requestTimeout
    const budget = options.runBudgetMs ?? ('env' in options && options.env ? DEFAULT_WORKER_RUN_BUDGET_MS : undefined)
    if (budget !== undefined && !(typeof budget === 'number' && budget > 0)) {
      throw new KafkaJSNonRetriableError(`kafdo.runBudgetMs must be a positive number of milliseconds (Infinity: no budget), got ${String(budget)}`)
    }
    this.runBudgetMs = budget === Number.POSITIVE_INFINITY ? undefined : budget
  }

  /** A transport of its own for each producer, consumer and admin, so network events reach the right one. */
  async transport(hooks: TransportHooks = {}): Promise<Transport> {
    const options = this.#options
    if ('env' in options && options.env) {
      const { envTransport } = await import('./env-transport.js')
      return envTransport(options.env as unknown as KafdoBindings)
    }
    return httpTransport({ ...options, clientId: this.clientId, requestTimeout: this.#requestTimeout } as Parameters<typeof httpTransport>[0], hooks)
  }

  /** The one warning for an option accepted and ignored, however many clients hit it. */
  warn(key: string, message: string, extra?: object): void {
    warnOnce(this.logger, this.#warned, key, message, extra)
  }

  /** kafkajs's `*.network.request` event for one HTTP request, built only when someone listens. */
  emitRequest(instrumentation: Instrumentation<Record<string, string>>, eventName: string, request: RequestInfo): void {
    if (!instrumentation.listens(eventName)) return
    instrumentation.emit(eventName, {
      apiKey: -1,
      apiName: request.apiName,
      apiVersion: 0,
      broker: this.#options.url ? new URL(this.#options.url).host : 'worker',
      clientId: this.clientId,
      correlationId: correlationId++,
      createdAt: request.createdAt,
      duration: request.duration,
      pendingDuration: 0,
      sentAt: request.sentAt,
      size: request.size,
    })
  }
}
