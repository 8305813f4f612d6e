import { env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { createTopic, request } from '../support/http'
import example from './readme/admin-example'

describe('README > Admin API example', () => {
  it('runs as written through every topic and group operation', async () => {
    // What the example deletes must exist: a topic, and a group with committed offsets and no members.
    await createTopic('old-topic')
    const seeded = await request('POST', '/consumer-groups/old-group/commit', { offsets: [{ topic: 'old-topic', partition: 0, offset: 0 }] })
    expect(seeded.status).toBe(200)
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const response = await example.fetch(new Request('http://worker/'), env)
    expect(await response.text()).toBe('Admin operations complete')
    const lines = log.mock.calls.map((args) => args.map(String).join(' '))
    log.mockRestore()
    expect(lines).toContain('Topics: old-topic,orders')
    expect(lines).toContain('Partitions: 3')
    expect(lines).toContain('Group state: Dead')
    expect(lines.filter((line) => /^Partition \d: earliest=0, latest=0$/.test(line))).toHaveLength(6)
    expect((await request('GET', '/admin/groups/old-group')).body.state).toBe('Dead')
    const topics = await request('GET', '/admin/topics')
    expect(topics.body.topics.map((t: { topic: string; partitions: number }) => [t.topic, t.partitions])).toEqual([['orders', 6]])
  })
})
