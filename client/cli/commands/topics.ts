/** `kafdo topics list|describe|create|delete|alter-config|add-partitions`, over `client.admin()`. */
import type { Command } from 'commander'
import { collect, contextOf, pairs, positiveInteger } from '../context.js'
import { emit, formatDuration, formatTime, table, UsageError } from '../output.js'

export function topicsCommand(program: Command): void {
  const topics = program.command('topics').description('list, describe, create, delete and configure topics')

  topics
    .command('list')
    .description('list the topics')
    .action(async (_options, command: Command) => {
      const { client, output } = contextOf(command)
      const topics = await client.admin().listTopicSummaries()
      emit(output, { topics }, ({ topics }) =>
        table(
          ['topic', 'partitions', 'retention', 'cleanup.policy', 'created'],
          topics.map((t) => [
            t.topic,
            t.partitions,
            formatDuration(Number(t.config['retention.ms'])),
            t.config['cleanup.policy'],
            formatTime(t.createdAt),
          ]),
        ),
      )
    })

  topics
    .command('describe <topic>')
    .description("a topic's partitions (earliest and latest offsets) and config")
    .action(async (topic: string, _options, command: Command) => {
      const { client, output } = contextOf(command)
      const described = await client.admin().describeTopic(topic)
      emit(output, described, (d) =>
        [
          `topic ${d.topic} (id ${d.topicId}, created ${formatTime(d.createdAt)})`,
          '',
          table(
            ['partition', 'earliest', 'latest', 'records'],
            d.partitions.map((p) => [p.partition, p.earliest, p.latest, p.latest - p.earliest]),
          ),
          '',
          table(['config', 'value'], Object.entries(d.config)),
        ].join('\n'),
      )
    })

  topics
    .command('create <topic>')
    .description('create a topic')
    .option('-p, --partitions <count>', 'number of partitions (default 1)')
    .option('-c, --config <key=value>', 'a topic config key (repeatable), e.g. retention.ms=86400000', collect)
    .action(async (topic: string, options: { partitions?: string; config?: string[] }, command: Command) => {
      const { client, output } = contextOf(command)
      const partitions = options.partitions === undefined ? undefined : positiveInteger(options.partitions, '--partitions')
      const config = pairs(options.config, '--config')
      const created = await client.admin().createTopic({ topic, ...(partitions ? { partitions } : {}), ...(options.config ? { config } : {}) })
      emit(output, created, (t) => `created topic ${t.topic} with ${t.partitions} partition${t.partitions === 1 ? '' : 's'}`)
    })

  topics
    .command('delete <topic>')
    .description('delete a topic and its records')
    .action(async (topic: string, _options, command: Command) => {
      const { client, output } = contextOf(command)
      await client.admin().deleteTopic(topic)
      emit(output, { topic, deleted: true }, () => `deleted topic ${topic}`)
    })

  topics
    .command('alter-config <topic>')
    .description("change a topic's config: set keys, or put them back to their defaults")
    .option('-s, --set <key=value>', 'give a key a value (repeatable)', collect)
    .option('-d, --delete <key>', 'put a key back to its default (repeatable)', collect)
    .option('--dry-run', 'check the change and show the result without making it')
    .action(async (topic: string, options: { set?: string[]; delete?: string[]; dryRun?: boolean }, command: Command) => {
      const { client, output } = contextOf(command)
      if (!options.set?.length && !options.delete?.length) throw new UsageError('give --set key=value or --delete key (or both)')
      const change = { ...(options.set ? { set: pairs(options.set, '--set') } : {}), ...(options.delete ? { delete: options.delete } : {}) }
      const result = await client.admin().alterTopicConfig(topic, change, { dryRun: options.dryRun === true })
      emit(output, result, (r) => {
        const changed = Object.keys(r.after).filter((key) => r.before[key] !== r.after[key])
        const head = `${r.applied ? 'changed' : 'would change (dry run)'} ${changed.length} key${changed.length === 1 ? '' : 's'} of ${r.topic}`
        return changed.length === 0
          ? `${head}: nothing differs`
          : `${head}\n${table(
              ['config', 'before', 'after'],
              changed.map((key) => [key, r.before[key], r.after[key]]),
            )}`
      })
    })

  topics
    .command('add-partitions <topic>')
    .description("raise a topic's partition count (Kafka's CreatePartitions: --count is the new total)")
    .requiredOption('-n, --count <total>', 'the new partition count, larger than the current one')
    .action(async (topic: string, options: { count: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const result = await client.admin().addPartitions(topic, positiveInteger(options.count, '--count'))
      emit(output, result, (t) => `topic ${t.topic} now has ${t.partitions} partitions`)
    })
}
