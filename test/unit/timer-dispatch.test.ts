import { describe, expect, it } from 'vitest'
import { runDueTimers, type TimerTable } from '../../src/storage/timer-dispatch'
import type { Timer, TimerStore } from '../../src/storage/timers'

/** A TimerStore over an array, enough for the dispatch (which uses alarmFired, due, set and delete). */
function timersOf(initial: Timer[], firedFor: number | null = null) {
  const timers = [...initial]
  const store = {
    alarmFired: () => firedFor,
    due: (now: number) => timers.filter((t) => t.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt),
    set: (kind: string, key: string, dueAt: number, payload: string | null = null) => {
      const at = timers.findIndex((t) => t.kind === kind && t.key === key)
      if (at >= 0) timers.splice(at, 1)
      timers.push({ kind, key, dueAt, payload })
    },
    delete: (kind: string, key = '') => {
      const at = timers.findIndex((t) => t.kind === kind && t.key === key)
      if (at >= 0) timers.splice(at, 1)
    },
  }
  return { store: store as unknown as TimerStore, timers }
}

describe('Timers > one dispatch through a table from kind to handler', () => {
  it('runs each due timer through the handler of its kind, forgets the done ones and moves the ones asking to run again', async () => {
    const ran: string[] = []
    const { store, timers } = timersOf([
      { kind: 'purge', key: 't1', dueAt: 1, payload: null },
      { kind: 'purge', key: 't2', dueAt: 2, payload: 'p' },
      { kind: 'session', key: '', dueAt: 3, payload: null },
      { kind: 'session', key: 'later', dueAt: Date.now() + 60_000, payload: null },
    ])
    const table: TimerTable<'purge' | 'session'> = {
      purge: (timer) => {
        ran.push(`purge ${timer.key}`)
        return timer.key === 't1' ? 'done' : { retryAt: 99 }
      },
      session: async (timer) => {
        ran.push(`session ${timer.key}`)
        return 'done' as const
      },
    }
    await runDueTimers(store, table)
    expect(ran).toEqual(['purge t1', 'purge t2', 'session '])
    expect(timers.map((t) => [t.kind, t.key, t.dueAt, t.payload])).toEqual([
      ['session', 'later', expect.any(Number), null],
      ['purge', 't2', 99, 'p'],
    ])
  })

  it('runs what was due by the time the alarm was set for, even when driven early, and drops kinds it does not know', async () => {
    const future = Date.now() + 60_000
    const { store, timers } = timersOf(
      [
        { kind: 'purge', key: 'a', dueAt: future, payload: null },
        { kind: 'retired-kind', key: '', dueAt: 1, payload: null },
      ],
      future,
    )
    const ran: string[] = []
    await runDueTimers(store, { purge: (timer) => (ran.push(timer.key), 'done') })
    expect(ran).toEqual(['a'])
    expect(timers).toEqual([])
  })

  it('refuses, at compile time, a table without a handler for every kind', () => {
    // @ts-expect-error 'session' has no handler
    const missing: TimerTable<'purge' | 'session'> = { purge: () => 'done' }
    expect(Object.keys(missing)).toEqual(['purge'])
  })
})
