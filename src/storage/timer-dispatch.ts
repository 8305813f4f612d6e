/**
 * One timer dispatch for every Durable Object: a table from timer kind to handler, over `TimerStore`
 * alone. The table is a `Record` over the object's kinds, so the type system refuses one without a
 * handler for every kind; a handler answers whether its timer is done or when to run it again, and a
 * timer is removed only after its handler ran (alarms are at-least-once, so handlers are idempotent).
 */
import type { Timer, TimerStore } from './timers.js'

/** What a handler asks for afterwards: forget the timer, or run it again at `retryAt`. */
export type TimerOutcome = 'done' | { retryAt: number }

export type TimerHandler = (timer: Timer, now: number) => Promise<TimerOutcome> | TimerOutcome

/** Every kind of an object's timers, each with its handler. */
export type TimerTable<Kind extends string> = { readonly [K in Kind]: TimerHandler }

/**
 * Runs every due timer through its handler. Call it first thing in `alarm()`: timers due by the time
 * the alarm was set for run even when it is driven early (as tests do). A kind the table does not know
 * (left by older code) is dropped. The caller re-arms (`timers.arm()`) once it has saved what changed.
 * Answers the time the timers ran at, for what the caller does after them.
 */
export async function runDueTimers<Kind extends string>(timers: TimerStore, table: TimerTable<Kind>): Promise<number> {
  const firedFor = timers.alarmFired()
  const now = Math.max(Date.now(), firedFor ?? 0)
  for (const timer of timers.due(now)) {
    const handler: TimerHandler | undefined = Object.hasOwn(table, timer.kind) ? table[timer.kind as Kind] : undefined
    const outcome = handler ? await handler(timer, now) : 'done'
    if (outcome === 'done') timers.delete(timer.kind, timer.key)
    else timers.set(timer.kind, timer.key, outcome.retryAt, timer.payload)
  }
  return now
}
