/**
 * Long polls held inside a Durable Object: callers wait up to a deadline for something to change, and
 * whoever changes it wakes them all (they then look again for themselves).
 */
export class Waiters {
  readonly #waiting = new Set<() => void>()

  /** Resolves when woken or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiting.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#waiting.add(done)
    })
  }

  wake(): void {
    for (const wake of [...this.#waiting]) wake()
  }
}
