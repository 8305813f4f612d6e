/**
 * A run's background heartbeats: each one reconciles the member with its group (Kafka 4's consumer
 * protocol: revoking and taking partitions), then kafkajs's HEARTBEAT event. A handler's own
 * `heartbeat()` has nothing left to do. Timers never keep a Node process alive.
 */
import type { ConsumerCore } from '../src/core/consumer/consumer-core.js'
import { kafkaJSError } from './from-kafdo.js'
import { CONSUMER_EVENTS } from './instrumentation.js'
import type { RunnerSettings } from './runner.js'

export class Heartbeats {
  readonly #core: ConsumerCore
  readonly #settings: Pick<RunnerSettings, 'core' | 'instrumentation' | 'logger'>
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(core: ConsumerCore, settings: Pick<RunnerSettings, 'core' | 'instrumentation' | 'logger'>) {
    this.#core = core
    this.#settings = settings
  }

  start(): void {
    this.#schedule(this.#core.msUntilHeartbeat())
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule(delay: number): void {
    const timer = setTimeout(() => void this.#tick(), Math.max(delay, 10))
    ;(timer as { unref?: () => void }).unref?.()
    this.#timer = timer
  }

  async #tick(): Promise<void> {
    if (this.#timer === undefined) return
    const { core, instrumentation, logger } = this.#settings
    let delay: number
    try {
      await this.#core.tick()
      if (this.#core.memberId !== undefined) {
        instrumentation.emit(CONSUMER_EVENTS.HEARTBEAT, {
          groupId: core.groupId,
          memberId: this.#core.memberId,
          groupGenerationId: this.#core.memberEpoch,
        })
      }
      delay = this.#core.msUntilHeartbeat()
    } catch (err) {
      // A lost heartbeat is retried after an interval; the session timeout allows for several.
      logger.debug(`Heartbeat failed: ${kafkaJSError(err).message}`, { groupId: core.groupId })
      delay = core.heartbeatIntervalMs || 1_000
    }
    if (this.#timer !== undefined) this.#schedule(delay)
  }
}
