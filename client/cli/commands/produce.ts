/**
 * `kafdo produce TOPIC`: records from the arguments, a file or stdin (one per line, see record-lines.ts),
 * sent in batches by one idempotent producer (`client.producer()`), so a batch retried after a lost answer
 * is written once. A progress line on a terminal, and a summary: records, bytes, rate.
 */
import { createReadStream, fstatSync, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import type { Command } from 'commander'
import type { ProducerRecord } from '../../producer.js'
import type { RecordMetadata } from '../../../src/protocol/index.js'
import { MAX_RECORDS_PER_BATCH } from '../../../src/protocol/limits.js'
import { collect, contextOf, nonNegativeInteger, pairs, positiveInteger } from '../context.js'
import { emit, formatBytes, UsageError } from '../output.js'
import { Progress } from '../progress.js'
import { byteLength, parseLine, parseValue, type ValueFormat } from '../record-lines.js'

interface ProduceOptions {
  key?: string
  header?: string[]
  partition?: string
  file?: string
  keyDelimiter: string
  valueFormat: string
  batchSize: string
  progress: boolean
}

/** Batches in flight at once: the next is read while one is sent. The producer sends them in order. */
const IN_FLIGHT = 2

export function produceCommand(program: Command): void {
  program
    .command('produce <topic> [values...]')
    .description('write records: each value argument, or each line of --file or stdin, is one record')
    .option('-k, --key <key>', 'the key of records whose line gives none')
    .option('-H, --header <name=value>', 'a header on every record (repeatable)', collect)
    .option('-p, --partition <partition>', 'write every record to this partition')
    .option('-f, --file <path>', "read records from a file, one per line ('-' for stdin)")
    .option('-d, --key-delimiter <text>', "the text splitting a line into key and value ('' for none)", '\t')
    .option('--value-format <format>', 'json: each value is JSON text; string: each value is the text itself', 'json')
    .option('-b, --batch-size <count>', `records per request (at most ${MAX_RECORDS_PER_BATCH})`, '500')
    .option('--no-progress', 'never draw the progress line (it is drawn only on a terminal anyway)')
    .action(async (topic: string, values: string[], options: ProduceOptions, command: Command) => {
      const { client, output } = contextOf(command)
      const valueFormat = checkFormat(options.valueFormat)
      const batchSize = positiveInteger(options.batchSize, '--batch-size')
      if (batchSize > MAX_RECORDS_PER_BATCH) throw new UsageError(`--batch-size must be at most ${MAX_RECORDS_PER_BATCH}`)
      const headers = options.header ? pairs(options.header, '--header') : undefined
      const partition = options.partition === undefined ? undefined : nonNegativeInteger(options.partition, '--partition')
      if (values.length > 0 && options.file !== undefined) throw new UsageError('give values or --file, not both')
      if (values.length === 0 && options.file === undefined && process.stdin.isTTY) {
        throw new UsageError('give values, --file <path>, or pipe records on stdin (one per line)')
      }

      const producer = client.producer({ defaultTopic: topic })
      const progress = new Progress(options.progress)
      const started = Date.now()
      const totals = { records: 0, bytes: 0 }
      const partitions = new Map<number, { records: number; firstOffset: number; lastOffset: number }>()
      const inFlight: Array<Promise<void>> = []
      let read = 0
      let size: number | undefined
      const send = async (batch: ProducerRecord[], bytes: number) => {
        const written = await producer.sendBatch(batch)
        count(partitions, written)
        totals.records += batch.length
        totals.bytes += bytes
        progress.update({ ...totals, ...(size ? { fraction: read / size } : {}) })
      }
      let batch: ProducerRecord[] = []
      let batchBytes = 0
      const add = async (record: { key?: string; value: unknown; bytes: number }) => {
        batch.push({
          ...(record.key !== undefined ? { key: record.key } : {}),
          value: record.value,
          ...(headers ? { headers } : {}),
          ...(partition !== undefined ? { partition } : {}),
        })
        batchBytes += record.bytes
        if (batch.length >= batchSize) await flush()
      }
      const flush = async () => {
        if (batch.length === 0) return
        const sent = send(batch, batchBytes)
        // Awaited below; until then a failure must not count as unhandled (Node would exit at once).
        sent.catch(() => undefined)
        inFlight.push(sent)
        batch = []
        batchBytes = 0
        if (inFlight.length >= IN_FLIGHT) await inFlight.shift()
      }

      try {
        if (values.length > 0) {
          size = values.length
          for (const [index, text] of values.entries()) {
            read = index + 1
            await add({
              ...(options.key !== undefined ? { key: options.key } : {}),
              value: parseValue(text, valueFormat, `value ${index + 1}`),
              bytes: byteLength(options.key ?? '') + byteLength(text),
            })
          }
        } else {
          const { stream, total } = openInput(options.file)
          size = total
          const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
          let lineNumber = 0
          for await (const line of lines) {
            lineNumber += 1
            read += byteLength(line) + 1
            const parsed = parseLine(line, lineNumber, {
              keyDelimiter: options.keyDelimiter,
              valueFormat,
              ...(options.key !== undefined ? { key: options.key } : {}),
            })
            if (parsed) await add(parsed)
          }
        }
        await flush()
        await Promise.all(inFlight.splice(0))
      } catch (err) {
        // Batches already sent stay written: say how many before the failure.
        await Promise.allSettled(inFlight.splice(0))
        progress.done()
        if (totals.records > 0) output.err(`produced ${totals.records} records to ${topic} before the failure`)
        throw err
      }
      progress.update({ ...totals, ...(size ? { fraction: 1 } : {}) }, true)
      progress.done()
      const durationMs = Math.max(1, Date.now() - started)
      const summary = {
        topic,
        records: totals.records,
        bytes: totals.bytes,
        durationMs,
        recordsPerSecond: Math.round((totals.records * 1000) / durationMs),
        bytesPerSecond: Math.round((totals.bytes * 1000) / durationMs),
        partitions: [...partitions].sort(([a], [b]) => a - b).map(([partition, p]) => ({ partition, ...p })),
      }
      emit(output, summary, (s) => {
        const line = `produced ${s.records} records (${formatBytes(s.bytes)}) to ${s.topic} in ${(s.durationMs / 1000).toFixed(2)} s: ${s.recordsPerSecond} records/s, ${formatBytes(s.bytesPerSecond)}/s`
        const only = s.partitions.length === 1 && s.records === 1 ? s.partitions[0] : undefined
        return only ? `${line}\nwritten to partition ${only.partition} at offset ${only.firstOffset}` : line
      })
    })
}

function checkFormat(format: string): ValueFormat {
  if (format !== 'json' && format !== 'string') throw new UsageError(`--value-format must be json or string, got '${format}'`)
  return format
}

/** The input and, when it is a regular file, its size (what the progress bar measures against). */
function openInput(file: string | undefined): { stream: Readable; total?: number } {
  if (file === undefined || file === '-') {
    let total: number | undefined
    try {
      const stat = fstatSync(0)
      if (stat.isFile()) total = stat.size
    } catch {
      total = undefined
    }
    return { stream: process.stdin, ...(total ? { total } : {}) }
  }
  let total: number
  try {
    total = statSync(file).size
  } catch (err) {
    throw new UsageError(`cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return { stream: createReadStream(file), total }
}

function count(partitions: Map<number, { records: number; firstOffset: number; lastOffset: number }>, written: RecordMetadata[]): void {
  for (const { partition, offset } of written) {
    const p = partitions.get(partition)
    if (!p) partitions.set(partition, { records: 1, firstOffset: offset, lastOffset: offset })
    else {
      p.records += 1
      p.firstOffset = Math.min(p.firstOffset, offset)
      p.lastOffset = Math.max(p.lastOffset, offset)
    }
  }
}
