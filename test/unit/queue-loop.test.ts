import { describe, expect, it } from 'vitest'
import { QueueLoop } from '../../src/core/queue-loop'

type M = { leaseId: string; value: number }

function fakeOps(values: number[], failAckFor: number[] = []) {
  const queue = values.map((value) => ({ leaseId: `l${value}`, value }))
  const log: string[] = []
  return {
    log,
    ops: {
      receive: async (max: number) => queue.splice(0, max),
      ack: async (m: M) => {
        log.push(`ack ${m.value}`)
        if (failAckFor.includes(m.value)) throw new Error('LEASE_EXPIRED')
      },
      nack: async (m: M, error: unknown) => void log.push(`nack ${m.leaseId} ${String(error instanceof Error ? error.message : error)}`),
    },
  }
}

describe('QueueLoop', () => {
  it('run() goes on after a failed ack, and hands back the rest of the batch after stop()', async () => {
    const { ops, log } = fakeOps([1, 2, 3, 4, 5], [2])
    const loop = new QueueLoop<M>(ops, 5)
    await loop.run((m) => {
      if (m.value === 3) loop.stop()
    })
    expect(log).toEqual([
      'ack 1',
      'ack 2',
      'ack 3',
      'nack l4 the consumer stopped before handling this message',
      'nack l5 the consumer stopped before handling this message',
    ])
  })

  it('the iterator takes one message at a time and nacks the one in hand on break', async () => {
    const { ops, log } = fakeOps([1, 2, 3])
    const loop = new QueueLoop<M>(ops, 10)
    for await (const m of loop.iterate()) if (m.value === 2) break
    expect(log).toEqual(['ack 1', 'nack l2 the consumer loop ended before this message was acked'])
  })
})
