import { env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { partitionForKey } from '../../src/core/murmur2'
import { createTopic, fetchMessages } from '../support/http'
import example from './readme/producer-example'

describe('README > Producer API example', () => {
  it('runs as written and writes three records where Kafka would put them', async () => {
    await createTopic('orders', 3)
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const response = await example.fetch(new Request('http://worker/'), env)
    expect(await response.text()).toBe('Messages sent')
    expect(log).toHaveBeenCalledWith(`Message sent to partition ${partitionForKey('order-123', 3)} at offset 0`)
    log.mockRestore()
    const keys: string[] = []
    for (const partition of [0, 1, 2]) {
      const fetched = await fetchMessages('orders', partition)
      for (const message of fetched.body.messages) {
        expect(partition).toBe(partitionForKey(message.key, 3))
        keys.push(message.key)
      }
    }
    expect(keys.sort()).toEqual(['order-123', 'order-124', 'order-125'])
  })
})
