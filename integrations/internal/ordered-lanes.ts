/**
 * Runs writes one at a time per lane (a topic and record key), in the order they were queued, with lanes
 * side by side up to a concurrency limit. Per-key order is what Kafka promises consumers (one key, one
 * partition, one order), so a write queued behind one that failed is refused rather than run: writing it
 * would put a later change before an earlier one. The lane forgets the failure once it drains, so the
 * caller can send both again in order.
 */
import { KafdoError } from '../../src/protocol/errors.js'

interface Lane {
  tail: Promise<void>
  queued: number
  failed: boolean
}

export class OrderedLanes {
  readonly #limit: number
  readonly #lanes = new Map<string, Lane>()
  readonly #waiting: Array<() => void> = []
  #active = 0

  constructor(limit: number) {
    this.#limit = Math.max(1, limit)
  }

  run<T>(laneKey: string, task: () => Promise<T>): Promise<T> {
    let lane = this.#lanes.get(laneKey)
    if (!lane) this.#lanes.set(laneKey, (lane = { tail: Promise.resolve(), queued: 0, failed: false }))
    const current = lane
    current.queued += 1
    const result = current.tail.then(async () => {
      if (current.failed) {
        throw new KafdoError(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          'not written: an earlier event with the same key failed, and this one must not overtake it',
        )
      }
      await this.#acquire()
      try {
        return await task()
      } catch (err) {
        current.failed = true
        throw err
      } finally {
        this.#release()
      }
    })
    current.tail = result.then(
      () => this.#settle(laneKey, current),
      () => this.#settle(laneKey, current),
    )
    return result
  }

  #settle(laneKey: string, lane: Lane): void {
    lane.queued -= 1
    if (lane.queued === 0 && this.#lanes.get(laneKey) === lane) this.#lanes.delete(laneKey)
  }

  async #acquire(): Promise<void> {
    if (this.#active < this.#limit) {
      this.#active += 1
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }

  /** Hands the slot straight to the next waiter, so the count never exceeds the limit. */
  #release(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#active -= 1
  }
}
