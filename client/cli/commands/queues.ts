/**
 * `kafdo queues list|describe|stats|purge` and `kafdo dlq inspect|redrive|purge`, over `client.queues()`.
 *
 * `queues purge` drops what a share group has not yet finished by moving its cursor to the latest offset
 * on every partition (`POST /queues/:name/seek {"to":"latest"}`): its ready, in-flight and delayed records
 * are never delivered to that group. The records stay in the log until retention removes them, readable
 * with `kafdo consume` and by other groups, as with Kafka's log (nothing but retention deletes records).
 */
import type { Command } from 'commander'
import type { QueueDescription, QueueDetails, QueueRecord } from '../../queues.js'
import type { KafdoClient } from '../../kafdo-client.js'
import { KafdoError } from '../../../src/protocol/errors.js'
import { DLQ_HEADERS, DLQ_SUFFIX } from '../../../src/protocol/queues.js'
import { contextOf, nonNegativeInteger, pairs, positiveInteger } from '../context.js'
import { emit, formatDuration, formatTime, table } from '../output.js'

export function queuesCommand(program: Command): void {
  const queues = program.command('queues').description('queues: policies, depth and share-group stats')

  queues
    .command('list')
    .description('list the queues (every topic is one)')
    .option('--tag <tag>', 'only queues with this tag')
    .option('--prefix <prefix>', 'only queues whose name starts with this')
    .action(async (options: { tag?: string; prefix?: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const listed = await client.queues().list(options)
      emit(output, { queues: listed }, ({ queues }) =>
        table(
          ['queue', 'partitions', 'retry', 'max attempts', 'visibility', 'dlq', 'tags'],
          queues.map((q) => [
            q.name,
            q.partitions,
            q.policy.retry.strategy,
            q.policy.retry.maxAttempts,
            formatDuration(q.policy.visibilityTimeoutMs),
            q.deadLetterTopic,
            q.tags.join(','),
          ]),
        ),
      )
    })

  queues
    .command('describe <queue>')
    .description("a queue's policy, config and a share group's stats")
    .option('-g, --group <group>', 'the share group (default: default)')
    .action(async (name: string, options: { group?: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const queue = await client.queues().get(name, options)
      emit(output, queue, (q) => [describeQueue(q), '', statsTable(q)].join('\n'))
    })

  queues
    .command('stats <queue>')
    .description("a share group's view of a queue: depth, ready, in flight, delayed, dead-lettered")
    .option('-g, --group <group>', 'the share group (default: default)')
    .action(async (name: string, options: { group?: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const queue = await client.queues().get(name, options)
      emit(output, { name: queue.name, group: queue.group, stats: queue.stats }, () => statsTable(queue))
    })

  queues
    .command('purge <queue>')
    .description('drop every record a share group has not finished (moves its cursor to the latest offset; the log keeps the records)')
    .option('-g, --group <group>', 'the share group (default: default)')
    .action(async (name: string, options: { group?: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const before = await client.queues().get(name, options)
      const partitions = await client.queues().seek(name, { ...(options.group ? { group: options.group } : {}), to: 'latest' })
      emit(
        output,
        { name, group: before.group, purged: before.stats.depth, partitions },
        (r) => `purged ${r.purged} records of queue ${r.name} for group ${r.group}`,
      )
    })

  const dlq = program.command('dlq').description("a queue's dead-letter queue: inspect, re-drive, purge")

  dlq
    .command('inspect <queue>')
    .description('the dead letters, with their attempts and last error')
    .option('-p, --partition <partition>', 'only this partition')
    .option('--offset <offset>', 'from this offset')
    .option('-n, --limit <count>', 'at most this many (default 100)')
    .action(async (name: string, options: { partition?: string; offset?: string; limit?: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const letters = await orNoDeadLetters(client, name, [], () =>
        client.queues().deadLetters(name, {
          ...(options.partition !== undefined ? { partition: nonNegativeInteger(options.partition, '--partition') } : {}),
          ...(options.offset !== undefined ? { offset: nonNegativeInteger(options.offset, '--offset') } : {}),
          ...(options.limit !== undefined ? { limit: positiveInteger(options.limit, '--limit') } : {}),
        }),
      )
      emit(output, { messages: letters }, ({ messages }) => (messages.length === 0 ? `no dead letters in ${name}` : deadLetterTable(messages)))
    })

  dlq
    .command('redrive <queue>')
    .description('send dead letters back to the queue (all, an offset range, or those with a header value)')
    .option('-p, --partition <partition>', 'only this partition of the DLQ')
    .option('--from-offset <offset>', 'from this DLQ offset')
    .option('--to-offset <offset>', 'up to this DLQ offset')
    .option('--header <name=value>', 'only dead letters carrying this header value')
    .option('-n, --limit <count>', 'at most this many (default 1000)')
    .action(
      async (
        name: string,
        options: { partition?: string; fromOffset?: string; toOffset?: string; header?: string; limit?: string },
        command: Command,
      ) => {
        const { client, output } = contextOf(command)
        const header = options.header ? Object.entries(pairs([options.header], '--header'))[0] : undefined
        const result = await orNoDeadLetters(client, name, { redriven: 0 }, () =>
          client.queues().redrive(name, {
            ...(options.partition !== undefined ? { partition: nonNegativeInteger(options.partition, '--partition') } : {}),
            ...(options.fromOffset !== undefined ? { fromOffset: nonNegativeInteger(options.fromOffset, '--from-offset') } : {}),
            ...(options.toOffset !== undefined ? { toOffset: nonNegativeInteger(options.toOffset, '--to-offset') } : {}),
            ...(header ? { header: { name: header[0], value: header[1] } } : {}),
            ...(options.limit !== undefined ? { limit: positiveInteger(options.limit, '--limit') } : {}),
          }),
        )
        emit(output, { name, ...result }, (r) => `re-drove ${r.redriven} dead letters to ${name} (the DLQ keeps them until purged)`)
      },
    )

  dlq
    .command('purge <queue>')
    .description('delete the dead letters (all, or those before an offset)')
    .option('--before-offset <offset>', 'only those before this offset on each partition')
    .action(async (name: string, options: { beforeOffset?: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const before = options.beforeOffset !== undefined ? { beforeOffset: nonNegativeInteger(options.beforeOffset, '--before-offset') } : {}
      const result = await orNoDeadLetters(client, name, { purged: 0 }, () => client.queues().purgeDeadLetters(name, before))
      emit(output, { name, ...result }, (r) => `purged ${r.purged} dead letters of ${name}`)
    })
}

/**
 * A queue's dead-letter topic is created with its first dead letter: until then the DLQ endpoints answer
 * that it does not exist, which for these commands means there are none (once the queue is known to exist).
 */
async function orNoDeadLetters<T>(client: KafdoClient, name: string, none: T, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (!(err instanceof KafdoError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION' && err.message.includes(`'${name}${DLQ_SUFFIX}'`))) throw err
    await client.queues().get(name)
    return none
  }
}

function describeQueue(q: QueueDescription): string {
  const retry = q.policy.retry
  return table(
    ['setting', 'value'],
    [
      ['queue', q.name],
      ['partitions', q.partitions],
      ['retry', `${retry.strategy}, ${retry.maxAttempts} attempts${'delayMs' in retry ? `, ${formatDuration(retry.delayMs)}` : ''}`],
      ['visibility timeout', formatDuration(q.policy.visibilityTimeoutMs)],
      ['default ttl', q.policy.defaultTtlMs < 0 ? 'none' : formatDuration(q.policy.defaultTtlMs)],
      ['dead-letter topic', q.deadLetterTopic],
      ['tags', q.tags.join(', ') || '-'],
      ['retention', formatDuration(Number(q.config['retention.ms']))],
      ['created', formatTime(q.createdAt)],
    ],
  )
}

function statsTable(q: QueueDetails): string {
  const s = q.stats
  return table(
    ['group', 'depth', 'ready', 'in flight', 'delayed', 'dead-lettered', 'expired', 'oldest'],
    [
      [
        q.group,
        s.depth,
        s.ready,
        s.inFlight,
        s.delayed,
        s.deadLettered,
        s.expired,
        s.oldestMessageAgeMs === null ? '-' : formatDuration(s.oldestMessageAgeMs),
      ],
    ],
  )
}

function deadLetterTable(messages: QueueRecord[]): string {
  return table(
    ['partition', 'offset', 'from', 'attempts', 'last error', 'value'],
    messages.map((m) => [
      m.partition,
      m.offset,
      `${m.headers[DLQ_HEADERS.topic] ?? '?'}[${m.headers[DLQ_HEADERS.partition] ?? '?'}]@${m.headers[DLQ_HEADERS.offset] ?? '?'}`,
      m.headers[DLQ_HEADERS.attempts],
      m.headers[DLQ_HEADERS.error],
      truncate(JSON.stringify(m.value), 60),
    ]),
  )
}

const truncate = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 3)}...` : text)
