import { describe, expect, it } from 'vitest'
import { OrderedLanes } from '../../integrations/internal/ordered-lanes'

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1))

describe('OrderedLanes', () => {
  it('runs one lane in order and lanes side by side, never more than the limit at once', async () => {
    const lanes = new OrderedLanes(2)
    const log: string[] = []
    let running = 0
    let peak = 0
    const task = (name: string) => async () => {
      running += 1
      peak = Math.max(peak, running)
      await tick()
      log.push(name)
      running -= 1
      return name
    }
    const results = await Promise.all([
      lanes.run('a', task('a1')),
      lanes.run('b', task('b1')),
      lanes.run('a', task('a2')),
      lanes.run('c', task('c1')),
      lanes.run('a', task('a3')),
    ])
    expect(results).toEqual(['a1', 'b1', 'a2', 'c1', 'a3'])
    expect(log.filter((name) => name.startsWith('a'))).toEqual(['a1', 'a2', 'a3'])
    expect(peak).toBe(2)
  })

  it('refuses what was queued behind a failure in its lane, and forgets the failure once the lane drains', async () => {
    const lanes = new OrderedLanes(4)
    const failed = lanes.run('a', async () => {
      await tick()
      throw new Error('boom')
    })
    const behind = lanes.run('a', async () => 'never')
    const other = lanes.run('b', async () => 'b')
    await expect(failed).rejects.toThrow('boom')
    await expect(behind).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    await expect(other).resolves.toBe('b')
    await expect(lanes.run('a', async () => 'again')).resolves.toBe('again')
  })
})
