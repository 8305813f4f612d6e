/**
 * `kafdo consume TOPIC`: prints records as JSON lines (topic, partition, offset, timestamp, key, value,
 * headers), like kcat's JSON consumer. Without `--group` it reads partitions directly; with it, it joins
 * the group through `client.consumer()` (connect, poll, disconnect: committed on the way out), so the
 * group's committed offsets say where it starts and record where it stopped.
 *
 * Where it starts without a group: `--offset`, else `--from-beginning`'s earliest, else with `--follow`
 * the latest offset (only new records, as `tail -f`), else the earliest (what is there, as `cat`). It
 * stops at the end of each partition, or with `--follow` tails the topic (`client.tail`, a Server-Sent
 * Events stream that resumes by itself) until interrupted or `--max` records are printed.
 */
import type { Command } from 'commander'
import type { KafdoClient } from '../../kafdo-client.js'
import type { FetchedRecord } from '../../../src/protocol/index.js'
import { MAX_FETCH_LIMIT, MAX_FETCH_WAIT_MS } from '../../../src/protocol/limits.js'
import { contextOf, nonNegativeInteger, positiveInteger } from '../context.js'
import { UsageError, type Output } from '../output.js'

interface ConsumeOptions {
  fromBeginning?: boolean
  offset?: string
  partition?: string
  group?: string
  follow?: boolean
  max?: string
  waitMs: string
}

/** The reader's own name for the group it never joins (a fetch names no group). */
const READER_GROUP = 'kafdo-cli'
const POLL_RECORDS = 500

export function consumeCommand(program: Command): void {
  program
    .command('consume <topic>')
    .description('print records as JSON lines, from one or every partition, or as a member of a consumer group')
    .option('--from-beginning', 'start at the earliest offset (the default unless --follow)')
    // No `-o`: that is the global --output.
    .option('--offset <offset>', 'start at this offset: a number, earliest or latest (not with --group)')
    .option('-p, --partition <partition>', 'read only this partition (not with --group)')
    .option('-g, --group <group>', 'consume as a member of this consumer group, committing as it goes')
    .option('-f, --follow', 'keep waiting for new records (long poll) until interrupted or --max')
    .option('-n, --max <count>', 'stop after this many records')
    .option('--wait-ms <ms>', `with --group, how long one poll waits for records (at most ${MAX_FETCH_WAIT_MS})`, '10000')
    .action(async (topic: string, options: ConsumeOptions, command: Command) => {
      const { client, output } = contextOf(command)
      const max = options.max === undefined ? Number.POSITIVE_INFINITY : positiveInteger(options.max, '--max')
      const waitMs = Math.min(nonNegativeInteger(options.waitMs, '--wait-ms'), MAX_FETCH_WAIT_MS)
      const start = options.offset === undefined ? undefined : parseOffset(options.offset)
      const printer = new Printer(output, topic, max)
      if (options.group !== undefined) {
        if (start !== undefined || options.partition !== undefined) {
          throw new UsageError(
            '--offset and --partition do not go with --group: the group assigns partitions and keeps offsets (move them with kafdo groups reset-offsets)',
          )
        }
        await consumeAsGroup(
          client,
          topic,
          options.group,
          { follow: options.follow === true, fromBeginning: options.fromBeginning === true || !options.follow, waitMs },
          printer,
        )
      } else {
        const from = start ?? (options.fromBeginning || !options.follow ? 'earliest' : 'latest')
        const partition = options.partition === undefined ? undefined : nonNegativeInteger(options.partition, '--partition')
        if (options.follow) await follow(client, topic, { from, partition }, printer)
        else await consumeDirectly(client, topic, { from, partition }, printer)
      }
      if (output.format === 'table' && process.stderr.isTTY) output.err(`consumed ${printer.count} records`)
    })
}

function parseOffset(value: string): number | 'earliest' | 'latest' {
  if (value === 'earliest' || value === 'beginning') return 'earliest'
  if (value === 'latest' || value === 'end') return 'latest'
  return nonNegativeInteger(value, '--offset')
}

class Printer {
  count = 0
  readonly #output: Output
  readonly #topic: string
  readonly #max: number

  constructor(output: Output, topic: string, max: number) {
    this.#output = output
    this.#topic = topic
    this.#max = max
  }

  get done(): boolean {
    return this.count >= this.#max
  }

  get remaining(): number {
    return this.#max - this.count
  }

  /** Prints records until `--max`; one JSON document per line whatever `--output` says. */
  print(partition: number, records: readonly FetchedRecord[]): void {
    for (const record of records) {
      if (this.done) return
      const { offset, timestamp, key, value, headers, valueEncoding } = record
      this.#output.out(
        JSON.stringify({ topic: this.#topic, partition, offset, timestamp, key, value, headers, ...(valueEncoding ? { valueEncoding } : {}) }),
      )
      this.count += 1
    }
  }
}

async function consumeDirectly(
  client: KafdoClient,
  topic: string,
  options: { from: number | 'earliest' | 'latest'; partition: number | undefined },
  printer: Printer,
): Promise<void> {
  const described = await client.admin().describeTopic(topic)
  const partitions = options.partition === undefined ? described.partitions.map((p) => p.partition) : [options.partition]
  const reader = client.consumer({ groupId: READER_GROUP })
  // Partitions are read in turn, each to its end, in order.
  for (const partition of partitions) {
    let offset: number | 'earliest' | 'latest' = options.from
    while (!printer.done) {
      const limit = Math.min(MAX_FETCH_LIMIT, printer.remaining === Number.POSITIVE_INFINITY ? 1000 : printer.remaining)
      const response = await reader.fetch(topic, partition, { offset, limit })
      printer.print(partition, response.messages)
      offset = response.nextOffset
      if (response.messages.length === 0 || response.nextOffset >= response.highWatermark) break
    }
  }
}

/** Tails the topic (or one partition) until `--max` records or an interrupt. */
async function follow(
  client: KafdoClient,
  topic: string,
  options: { from: number | 'earliest' | 'latest'; partition: number | undefined },
  printer: Printer,
): Promise<void> {
  const stopped = new AbortController()
  const stop = () => stopped.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    const records = client.tail(topic, {
      fromOffset: options.from,
      signal: stopped.signal,
      ...(options.partition !== undefined ? { partition: options.partition } : {}),
    })
    for await (const record of records) {
      printer.print(record.partition, [record])
      if (printer.done) break
    }
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

async function consumeAsGroup(
  client: KafdoClient,
  topic: string,
  groupId: string,
  options: { follow: boolean; fromBeginning: boolean; waitMs: number },
  printer: Printer,
): Promise<void> {
  const consumer = client.consumer({ groupId, topics: [topic], fromBeginning: options.fromBeginning })
  await consumer.connect()
  let stopping = false
  const stop = () => void (stopping = true)
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    // Without --follow: done once two polls in a row bring nothing (the first may come before an assignment).
    let empty = 0
    while (!printer.done && !stopping && (options.follow || empty < 2)) {
      const records = await consumer.poll({
        maxRecords: Math.min(POLL_RECORDS, printer.remaining),
        maxWaitMs: options.follow ? options.waitMs : 1000,
      })
      empty = records.length === 0 ? empty + 1 : 0
      for (const record of records) {
        if (printer.done) break
        printer.print(record.partition, [record])
      }
    }
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    // Commits the positions (autoCommit) and leaves the group, which rebalances at once.
    await consumer.disconnect()
  }
}
