/**
 * A group stored by the classic protocol's code (schema version 1) opened by today's: its committed
 * offsets survive, its old members are gone (their clients are told to upgrade, or that they are
 * unknown), and a schema newer than the code is refused.
 */
import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import type { ConsumerGroupDO } from '../../src/durable-objects/consumer-group'
import { groupStub } from '../../src/services/stubs'
import { GROUP_MIGRATIONS } from '../../src/storage/group-store'
import { runMigrations } from '../../src/storage/migrations'
import { committed, describeGroup, join } from '../support/groups'
import { createTopic, request, uniqueName } from '../support/http'

/** Rewrites the object's storage as version 1 left it: a group at generation 5 with one member and offsets. */
async function storeAsVersion1(group: string, topic: string): Promise<void> {
  const stub = groupStub(env, DEFAULT_TENANT, group)
  await runInDurableObject(stub, (_instance: ConsumerGroupDO, state) => {
    const sql = state.storage.sql
    sql.exec('DROP TABLE group_state')
    sql.exec('DROP TABLE group_members')
    for (const statement of GROUP_MIGRATIONS[0]!.filter((s) => !s.includes('TABLE offsets') && !s.includes('TABLE IF NOT EXISTS timers')))
      sql.exec(statement)
    sql.exec(
      `INSERT INTO group_meta (id, tenant, group_id, state, generation, strategy, leader, subscribed, created_at)
       VALUES (1, ?, ?, 'Stable', 5, 'sticky', 'old-member', ?, 1)`,
      DEFAULT_TENANT,
      group,
      JSON.stringify({ [topic]: 2 }),
    )
    sql.exec(
      `INSERT INTO members (member_id, client_id, topics, pattern, session_timeout_ms, rebalance_timeout_ms, rejoined, assignment, joined_at)
       VALUES ('old-member', 'old', ?, NULL, 30000, 60000, 0, ?, 1)`,
      JSON.stringify([topic]),
      JSON.stringify([
        { topic, partition: 0 },
        { topic, partition: 1 },
      ]),
    )
    sql.exec(
      'INSERT INTO offsets (topic, partition, committed_offset, metadata, committed_at) VALUES (?, 0, 7, NULL, 1), (?, 1, 3, ?, 1)',
      topic,
      topic,
      'meta',
    )
    sql.exec("INSERT INTO timers (kind, key, due_at, payload) VALUES ('session', '', 1, NULL), ('rebalance', '', 1, NULL)")
    sql.exec('UPDATE _schema_version SET version = 1')
  })
  await evictDurableObject(stub)
}

describe('ConsumerGroupDO > schema migrations', () => {
  it("keeps a classic group's committed offsets, drops its members, and lets new members resume from the offsets", async () => {
    const topic = uniqueName('migrated')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    await storeAsVersion1(group, topic)

    expect((await committed(group)).map(({ topic: t, partition, offset }) => [t, partition, offset])).toEqual([
      [topic, 0, 7],
      [topic, 1, 3],
    ])
    const described = await describeGroup(group)
    expect(described).toMatchObject({ state: 'Empty', groupEpoch: 5, members: [] })
    expect(described.offsets[1]).toMatchObject({ metadata: 'meta' })
    // The old member's client is told to upgrade; a heartbeat of the new protocol with its id is unknown.
    expect((await request('POST', `/consumer-groups/${group}/heartbeat`, { memberId: 'old-member', generationId: 5 })).body.error.code).toBe(
      'UNSUPPORTED_VERSION',
    )
    expect((await request('POST', `/consumer-groups/${group}/heartbeat`, { memberId: 'old-member', memberEpoch: 5 })).body.error.code).toBe(
      'UNKNOWN_MEMBER_ID',
    )

    // A new member joins (the group reads the topic list it never had) and owns both partitions.
    const member = await join(group, { topics: [topic] })
    expect(member.owned).toEqual([{ topic, partitions: [0, 1] }])
    expect(member.memberEpoch).toBeGreaterThan(5)
    const version = await runInDurableObject(groupStub(env, DEFAULT_TENANT, group), (_i: ConsumerGroupDO, state) => ({
      version: state.storage.sql.exec<{ v: number }>('SELECT version AS v FROM _schema_version').one().v,
      timers: state.storage.sql
        .exec<{ kind: string }>('SELECT kind FROM timers ORDER BY kind')
        .toArray()
        .map((t) => t.kind),
    }))
    expect(version.version).toBe(GROUP_MIGRATIONS.length)
    expect(version.timers).not.toContain('rebalance')
  })

  it('refuses to open storage of a schema newer than the code knows, changing nothing', async () => {
    const group = uniqueName('g')
    // What the constructor runs, on storage a newer version left (run here, so the object is not broken for good).
    const outcome = await runInDurableObject(groupStub(env, DEFAULT_TENANT, group), (_i: ConsumerGroupDO, state) => {
      const sql = state.storage.sql
      sql.exec('UPDATE _schema_version SET version = ?', GROUP_MIGRATIONS.length + 1)
      let error: unknown
      try {
        runMigrations(state.storage, GROUP_MIGRATIONS)
      } catch (err) {
        error = err
      }
      const version = sql.exec<{ v: number }>('SELECT version AS v FROM _schema_version').one().v
      sql.exec('UPDATE _schema_version SET version = ?', GROUP_MIGRATIONS.length)
      return { message: error instanceof Error ? error.message : String(error), version }
    })
    expect(outcome).toEqual({
      message: `storage schema version ${GROUP_MIGRATIONS.length + 1} is newer than this code knows (${GROUP_MIGRATIONS.length})`,
      version: GROUP_MIGRATIONS.length + 1,
    })
  })
})
