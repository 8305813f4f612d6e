/** `kafdo schemas register|list|get|check`, over `client.registry()`. */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import type { SchemaType } from '../../../src/protocol/schemas.js'
import { contextOf, positiveInteger } from '../context.js'
import { emit, paint, ReportedFailure, table, UsageError } from '../output.js'

interface SchemaInput {
  schema?: string
  file?: string
  type?: string
}

export function schemasCommand(program: Command): void {
  const schemas = program.command('schemas').description('the schema registry: subjects and their versions')

  const withSchema = (command: Command) =>
    command
      .option('-s, --schema <json>', 'the schema, as JSON text')
      .option('-f, --file <path>', 'read the schema from a file')
      .option('-t, --type <type>', 'AVRO (the default, as Confluent) or JSON')

  withSchema(schemas.command('register <subject>').description('register a schema under a subject (topic validation reads <topic>-value)')).action(
    async (subject: string, options: SchemaInput, command: Command) => {
      const { client, output } = contextOf(command)
      const { schema, schemaType } = schemaInput(options)
      const { id } = await client.registry().register(subject, schema, { schemaType })
      const latest = await client.registry().get(subject)
      const registered = { subject, id, version: latest.id === id ? latest.version : undefined }
      emit(output, registered, (r) => `registered schema ${r.id} under ${r.subject}${r.version !== undefined ? ` as version ${r.version}` : ''}`)
    },
  )

  schemas
    .command('list')
    .description('the subjects, with their latest version')
    .action(async (_options, command: Command) => {
      const { client, output } = contextOf(command)
      const registry = client.registry()
      const subjects = await registry.subjects()
      const latest = await Promise.all(subjects.map((subject) => registry.get(subject)))
      emit(output, { subjects: latest.map(({ subject, version, id, schemaType }) => ({ subject, version, id, schemaType })) }, ({ subjects }) =>
        table(
          ['subject', 'latest version', 'id', 'type'],
          subjects.map((s) => [s.subject, s.version, s.id, s.schemaType]),
        ),
      )
    })

  schemas
    .command('get <subject>')
    .description('a version of a subject (default the latest) and its schema')
    .option('-v, --version <version>', 'a version number or latest', 'latest')
    .action(async (subject: string, options: { version: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const version = options.version === 'latest' ? 'latest' : positiveInteger(options.version, '--version')
      const found = await client.registry().get(subject, version)
      emit(output, found, (v) => `${v.subject} version ${v.version} (id ${v.id}, ${v.schemaType})\n${pretty(v.schema)}`)
    })

  withSchema(
    schemas.command('check <subject>').description("whether a schema is compatible with a subject's version under its mode (exit 1 when not)"),
  )
    .option('-v, --version <version>', 'the version to check against', 'latest')
    .action(async (subject: string, options: SchemaInput & { version: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const { schema, schemaType } = schemaInput(options)
      const version = options.version === 'latest' ? 'latest' : positiveInteger(options.version, '--version')
      const result = await client.registry().check(subject, schema, { schemaType, version })
      emit(output, { subject, version: options.version, ...result }, (r) =>
        r.compatible
          ? paint(output, 'green', `compatible with ${subject} version ${r.version}`)
          : [paint(output, 'red', `not compatible with ${subject} version ${r.version}:`), ...r.messages.map((m) => `  ${m}`)].join('\n'),
      )
      if (!result.compatible) throw new ReportedFailure('incompatible schema')
    })
}

function schemaInput(options: SchemaInput): { schema: string; schemaType: SchemaType } {
  if ((options.schema === undefined) === (options.file === undefined))
    throw new UsageError('give the schema with --schema <json> or --file <path> (one of them)')
  const type = (options.type ?? 'AVRO').toUpperCase()
  if (type !== 'AVRO' && type !== 'JSON') throw new UsageError(`--type must be AVRO or JSON, got '${options.type}'`)
  let schema = options.schema
  if (options.file !== undefined) {
    try {
      schema = readFileSync(options.file, 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read --file ${options.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  return { schema: schema!, schemaType: type }
}

function pretty(schema: string): string {
  try {
    return JSON.stringify(JSON.parse(schema), null, 2)
  } catch {
    return schema
  }
}
