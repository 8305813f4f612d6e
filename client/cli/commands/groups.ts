/** `kafdo groups list|describe|reset-offsets`, over `client.admin()`. */
import type { Command } from 'commander'
import type { ResetOffsetsRequest, TopicPartitions } from '../../../src/protocol/index.js'
import { collect, contextOf, nonNegativeInteger } from '../context.js'
import { emit, formatTime, table, UsageError } from '../output.js'

interface ResetOptions {
  topic: string
  toEarliest?: boolean
  toLatest?: boolean
  toDatetime?: string
  toOffset?: string[]
}

export function groupsCommand(program: Command): void {
  const groups = program.command('groups').description('consumer groups: members, committed offsets, lag')

  groups
    .command('list')
    .description('list the consumer groups')
    .action(async (_options, command: Command) => {
      const { client, output } = contextOf(command)
      const listed = await client.admin().listGroups()
      emit(output, { groups: listed }, ({ groups }) =>
        table(
          ['group', 'state', 'members'],
          groups.map((g) => [g.groupId, g.state, g.members]),
        ),
      )
    })

  groups
    .command('describe <group>')
    .description("a group's state, members and their partitions, committed offsets and lag")
    .action(async (groupId: string, _options, command: Command) => {
      const { client, output } = contextOf(command)
      const group = await client.admin().describeGroup(groupId)
      emit(output, group, (g) =>
        [
          `group ${g.groupId}: ${g.state}, epoch ${g.groupEpoch}, ${g.members.length} member${g.members.length === 1 ? '' : 's'}, total lag ${g.totalLag}`,
          '',
          g.members.length === 0
            ? 'no members'
            : table(
                ['member', 'client', 'epoch', 'state', 'assignment', 'revoking'],
                g.members.map((m) => [m.memberId, m.clientId, m.memberEpoch, m.state, partitions(m.assignment), partitions(m.pendingRevocation)]),
              ),
          '',
          g.lag.length === 0
            ? 'no committed offsets'
            : table(
                ['topic', 'partition', 'committed', 'latest', 'lag'],
                g.lag.map((l) => [l.topic, l.partition, l.committed, l.latest, l.lag]),
              ),
        ].join('\n'),
      )
    })

  groups
    .command('reset-offsets <group>')
    .description("move a group's committed offsets for a topic (the group must have no members)")
    .requiredOption('-t, --topic <topic>', 'the topic whose offsets move')
    .option('--to-earliest', "to each partition's earliest offset")
    .option('--to-latest', "to each partition's latest offset (skip everything there now)")
    .option('--to-datetime <time>', 'to the first offset at or after a time (ISO-8601 or epoch milliseconds)')
    .option('--to-offset <partition=offset>', 'to an offset on one partition (repeatable)', collect)
    .action(async (groupId: string, options: ResetOptions, command: Command) => {
      const { client, output } = contextOf(command)
      const request = resetRequest(options)
      const result = await client.admin().resetOffsets(groupId, request)
      emit(output, result, (r) =>
        [
          `reset the offsets of group ${r.groupId} on ${options.topic}`,
          table(
            ['topic', 'partition', 'offset', 'committed at'],
            r.offsets.filter((o) => o.topic === options.topic).map((o) => [o.topic, o.partition, o.offset, formatTime(o.committedAt)]),
          ),
        ].join('\n'),
      )
    })
}

/** `orders[0,1] logs[3]`, or `-` for none. */
const partitions = (list: TopicPartitions[]) => list.map((a) => `${a.topic}[${a.partitions.join(',')}]`).join(' ') || '-'

function resetRequest(options: ResetOptions): ResetOffsetsRequest {
  const given = [options.toEarliest, options.toLatest, options.toDatetime, options.toOffset].filter((v) => v !== undefined)
  if (given.length !== 1) throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-datetime or --to-offset')
  const topic = options.topic
  if (options.toEarliest) return { topic, to: 'earliest' }
  if (options.toLatest) return { topic, to: 'latest' }
  if (options.toDatetime !== undefined) {
    const time = /^\d+$/.test(options.toDatetime) ? Number(options.toDatetime) : options.toDatetime
    if (typeof time === 'string' && Number.isNaN(Date.parse(time)))
      throw new UsageError(`--to-datetime must be ISO-8601 or epoch milliseconds, got '${time}'`)
    return { topic, timestamp: time }
  }
  const offsets = (options.toOffset ?? []).map((pair) => {
    const [partition, offset, ...rest] = pair.split('=')
    if (partition === undefined || offset === undefined || rest.length > 0) throw new UsageError(`--to-offset takes partition=offset, got '${pair}'`)
    return { partition: nonNegativeInteger(partition, '--to-offset partition'), offset: nonNegativeInteger(offset, '--to-offset offset') }
  })
  return { topic, offsets }
}
