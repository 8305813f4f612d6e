import { env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { KafdoError } from '../../src/protocol/errors'
import { createTopic, request } from '../support/http'
import example from './readme/admin-example'

describe('README > Admin API example', () => {
  it('runs as written through every topic operation', async () => {
    await createTopic('old-topic')
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    // Consumer groups arrive with the group coordinator (issue 3): until then no group exists, so the
    // example's last step, deleting 'old-group', is refused as Kafka refuses it (GROUP_ID_NOT_FOUND).
    const run = example.fetch(new Request('http://worker/'), env)
    await expect(run).rejects.toBeInstanceOf(KafdoError)
    await expect(run).rejects.toMatchObject({ code: 'GROUP_ID_NOT_FOUND' })
    const lines = log.mock.calls.map((args) => args.map(String).join(' '))
    log.mockRestore()
    expect(lines).toContain('Topics: old-topic,orders')
    expect(lines).toContain('Partitions: 3')
    expect(lines).toContain('Group state: Dead')
    expect(lines.filter((line) => /^Partition \d: earliest=0, latest=0$/.test(line))).toHaveLength(6)
    const topics = await request('GET', '/admin/topics')
    expect(topics.body.topics.map((t: { topic: string; partitions: number }) => [t.topic, t.partitions])).toEqual([['orders', 6]])
  })
})
