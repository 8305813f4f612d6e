/**
 * Many timers over one alarm. A Durable Object has a single alarm, so each DO keeps its deadlines in a
 * `timers` table (as partywhen does) and arms the alarm for the earliest. Alarms are at-least-once, so
 * every timer handler must be idempotent; a timer is removed only after its handler ran.
 */

export const TIMERS_TABLE = `CREATE TABLE IF NOT EXISTS timers (
  kind TEXT NOT NULL,
  key TEXT NOT NULL DEFAULT '',
  due_at INTEGER NOT NULL,
  payload TEXT,
  PRIMARY KEY (kind, key)
)`

export interface Timer {
  kind: string
  key: string
  dueAt: number
  payload: string | null
}

const MAX_ALARM_AHEAD_MS = 365 * 86_400_000

type TimerRow = { kind: string; key: string; due_at: number; payload: string | null }

export class TimerStore {
  readonly #storage: DurableObjectStorage
  /** The alarm time this instance last set, so that unchanged schedules cost no storage call. */
  #armedFor: number | null | undefined
  /** Whether a timer was set or removed since the alarm was last armed: if not, arming is a no-op. */
  #changed = true

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage
  }

  /** Schedules (or moves) a timer and re-arms the alarm if it is now the earliest. */
  set(kind: string, key: string, dueAt: number, payload: string | null = null): void {
    this.#storage.sql.exec(
      `INSERT INTO timers (kind, key, due_at, payload) VALUES (?, ?, ?, ?)
       ON CONFLICT(kind, key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload`,
      kind,
      key,
      dueAt,
      payload,
    )
    this.#changed = true
  }

  /** Sets a timer unless one of the same kind and key is due by `dueAt` already (then nothing is written). */
  setIfEarlier(kind: string, key: string, dueAt: number): void {
    const pending = this.get(kind, key)
    if (pending === undefined || dueAt < pending.dueAt) this.set(kind, key, dueAt, pending?.payload ?? null)
  }

  /** Sets a timer unless one of the same kind and key is pending, whenever it is due. */
  setIfAbsent(kind: string, key: string, dueAt: number): void {
    if (this.get(kind, key) === undefined) this.set(kind, key, dueAt)
  }

  get(kind: string, key = ''): Timer | undefined {
    const row = this.#storage.sql.exec<TimerRow>('SELECT kind, key, due_at, payload FROM timers WHERE kind = ? AND key = ?', kind, key).toArray()[0]
    return row && toTimer(row)
  }

  all(): Timer[] {
    return this.#storage.sql.exec<TimerRow>('SELECT kind, key, due_at, payload FROM timers').toArray().map(toTimer)
  }

  delete(kind: string, key = ''): void {
    // Removing a timer that was not there changes nothing, so the next `arm()` need not look.
    if (this.#storage.sql.exec('DELETE FROM timers WHERE kind = ? AND key = ?', kind, key).rowsWritten > 0) this.#changed = true
  }

  due(now: number, limit = 1000): Timer[] {
    return this.#storage.sql
      .exec<TimerRow>('SELECT kind, key, due_at, payload FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?', now, limit)
      .toArray()
      .map(toTimer)
  }

  /** Points the DO's alarm at the earliest timer (or clears it when none is left). */
  async arm(): Promise<void> {
    // Appends arm after every write; without a timer change there is nothing to read or set.
    if (!this.#changed && this.#armedFor !== undefined) return
    // Cleared first, so a timer set while this awaits marks it changed again.
    this.#changed = false
    try {
      const row = this.#storage.sql.exec<{ due: number | null }>('SELECT MIN(due_at) AS due FROM timers').toArray()[0]
      const due = row?.due ?? null
      if (this.#armedFor === undefined) this.#armedFor = await this.#storage.getAlarm()
      // The runtime refuses alarms far in the future (a producer timestamp or retention near the year 2262
      // would get there); an alarm capped at a year fires, finds nothing due, and re-arms.
      const at = due === null ? null : Math.min(due, Date.now() + MAX_ALARM_AHEAD_MS)
      if (at === this.#armedFor) return
      if (at === null) await this.#storage.deleteAlarm()
      else await this.#storage.setAlarm(at)
      this.#armedFor = at
    } catch (err) {
      this.#changed = true
      throw err
    }
  }

  /**
   * Call at the start of `alarm()`: the runtime has cleared the alarm that fired. Returns the time it was
   * set for, so that timers due by then run even when the alarm is driven early (as tests do).
   */
  alarmFired(): number | null {
    const firedFor = this.#armedFor ?? null
    this.#armedFor = null
    this.#changed = true
    return firedFor
  }

  /** Call after `deleteAll()`. */
  forget(): void {
    this.#armedFor = undefined
    this.#changed = true
  }
}

function toTimer(row: TimerRow): Timer {
  return { kind: row.kind, key: row.key, dueAt: row.due_at, payload: row.payload }
}
