import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { evaluateAlerts } from '../../src/durable-objects/alert-evaluation'
import type { KafdoEnv } from '../../src/env'
import type { GroupHealthThreshold } from '../../src/protocol/monitoring'
import type { ResourceHealthState } from '../../src/protocol/tenant-rpc'
import { createTopic, request, uniqueName } from '../support/http'

/**
 * The group coordinator being rewritten will report an assignment epoch in `describe`; today's answers
 * carry none. A coordinator stub answers the epochs a storm would show, and the evaluation is run
 * directly, one call per minute of a real deployment.
 */
function withEpochs(epochs: Map<string, number>): KafdoEnv {
  const describe = async (ref: { groupId: string }) => ({
    groupId: ref.groupId,
    state: 'Stable',
    generationId: 0,
    protocol: null,
    leaderId: null,
    members: [],
    offsets: [],
    assignmentEpoch: epochs.get(ref.groupId),
  })
  return { ...env, CONSUMER_GROUP: { getByName: () => ({ describe }) } as unknown as KafdoEnv['CONSUMER_GROUP'] }
}

describe('Monitoring > rebalance storms', () => {
  it('raises group.rebalance_storm once when the epoch advances past the limit between evaluations, and again after a calm one', async () => {
    const tenant = 'default'
    const group = uniqueName('storm')
    const topic = uniqueName('storm-topic')
    await createTopic(topic, 1)
    // A commit registers the group with the cluster, so the evaluation finds it.
    await request('POST', `/consumer-groups/${group}/commit`, { offsets: [{ topic, partition: 0, offset: 0 }] })
    const epochs = new Map([[group, 1]])
    const states = new Map<string, ResourceHealthState>()
    const run = async (epoch: number, thresholds: GroupHealthThreshold[] = []) => {
      epochs.set(group, epoch)
      const result = await evaluateAlerts({
        env: withEpochs(epochs),
        tenant,
        now: Date.now(),
        state: (resource) => states.get(resource),
        groupThresholds: new Map(thresholds.length > 0 ? [[group, thresholds]] : []),
        stormWatched: true,
      })
      for (const [resource, state] of result.states) states.set(resource, state)
      return result.events.filter((e) => e.data.group === group || e.data.name === group)
    }
    expect(await run(1)).toEqual([])
    const storm = await run(20)
    expect(storm).toEqual([
      { type: 'group.rebalance_storm', occurredAt: expect.any(Number), data: { group, rebalances: 19, limit: 10, epoch: 20, intervalMs: 60_000 } },
    ])
    // Still storming: no second event; then calm; then a new storm.
    expect(await run(35)).toEqual([])
    expect(await run(36)).toEqual([])
    expect((await run(50)).map((e) => e.type)).toEqual(['group.rebalance_storm'])
    // A `rebalances` threshold sets the limit, and is a threshold of its own.
    await run(50, [{ metric: 'rebalances', op: '>', value: 2 }])
    const lowered = await run(54, [{ metric: 'rebalances', op: '>', value: 2 }])
    expect(lowered.map((e) => [e.type, e.data.limit ?? e.data.threshold])).toEqual([
      ['health.threshold_crossed', 2],
      ['group.rebalance_storm', 2],
    ])
  })
})
