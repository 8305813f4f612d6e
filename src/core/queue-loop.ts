/**
 * The consuming loops shared by the in-Worker queue consumer and the HTTP client's: `run(handler)` acks
 * what the handler finishes and nacks what it throws on; the async iterator acks each message when the
 * loop asks for the next one and nacks the one in hand if the loop ends first (an exception or a
 * `break`). The iterator leases one message at a time, so a loop that ends early leaves no other leased
 * message to time out, which would count as a failed attempt.
 */

export interface LeasedMessage {
  leaseId: string
}

export interface LeaseOperations<M extends LeasedMessage> {
  receive(max: number): Promise<M[]>
  ack(message: M): Promise<unknown>
  nack(message: M, error: unknown): Promise<unknown>
}

export class QueueLoop<M extends LeasedMessage> {
  readonly #ops: LeaseOperations<M>
  readonly #batchSize: number
  /** The lease the iterator is holding, and whether the loop body settled it itself. */
  #inHand: { leaseId: string; settled: boolean } | undefined
  #stopped = false

  constructor(ops: LeaseOperations<M>, batchSize: number) {
    this.#ops = ops
    this.#batchSize = batchSize
  }

  /** Ends `run` and the iterator after the message in hand. */
  stop(): void {
    this.#stopped = true
  }

  /** Call after an ack, nack or reject made by the caller, so the iterator leaves that lease alone. */
  settled(leaseId: string): void {
    if (this.#inHand?.leaseId === leaseId) this.#inHand.settled = true
  }

  /**
   * A failed ack or nack (a lease that expired meanwhile, say) does not end the loop: the record comes
   * back by its lease and retry policy. After `stop()`, the rest of the batch is handed back with a nack.
   */
  async run(handler: (message: M) => Promise<void> | void): Promise<void> {
    while (!this.#stopped) {
      const batch = await this.#ops.receive(this.#batchSize)
      for (const [i, message] of batch.entries()) {
        if (this.#stopped) {
          await Promise.allSettled(batch.slice(i).map((rest) => this.#ops.nack(rest, 'the consumer stopped before handling this message')))
          return
        }
        try {
          await handler(message)
        } catch (err) {
          await this.#ops.nack(message, err).catch(() => {})
          continue
        }
        await this.#ops.ack(message).catch(() => {})
      }
    }
  }

  async *iterate(): AsyncGenerator<M> {
    try {
      while (!this.#stopped) {
        for (const message of await this.#ops.receive(1)) {
          this.#inHand = { leaseId: message.leaseId, settled: false }
          yield message
          const settled = this.#inHand.settled
          this.#inHand = undefined
          if (!settled) await this.#ops.ack(message)
          if (this.#stopped) return
        }
      }
    } finally {
      const inHand = this.#inHand
      this.#inHand = undefined
      if (inHand && !inHand.settled) {
        await this.#ops.nack({ leaseId: inHand.leaseId } as M, 'the consumer loop ended before this message was acked').catch(() => {})
      }
    }
  }
}
