#!/usr/bin/env node
/**
 * The `kafdo` command (alias `kqctl`): Kafdo's topics, records, groups, queues, keys, schemas and
 * declarative configuration from a terminal or a script, over `kafdo/client`. Exit codes: 0 ok, 1 failed,
 * 2 bad usage.
 */
import { Command, CommanderError, Option } from 'commander'
import { VERSION } from '../../src/version.js'
import { applyCommand } from './commands/apply.js'
import { consumeCommand } from './commands/consume.js'
import { groupsCommand } from './commands/groups.js'
import { keysCommand } from './commands/keys.js'
import { produceCommand } from './commands/produce.js'
import { profileCommand } from './commands/profile.js'
import { queuesCommand } from './commands/queues.js'
import { schemasCommand } from './commands/schemas.js'
import { topicsCommand } from './commands/topics.js'
import { DEFAULT_URL, outputFormat, resolveSettings, type GlobalOptions } from './context.js'
import { createOutput, errorLine, EXIT_FAILED, EXIT_OK, EXIT_USAGE, ReportedFailure, UsageError } from './output.js'

export function createProgram(): Command {
  const program = new Command('kafdo')
    .description('Kafdo from the command line: topics, records, consumer groups, queues, API keys, schemas and declarative configuration')
    .option('--url <url>', `Kafdo's URL (env KAFDO_URL; default ${DEFAULT_URL})`)
    .option('--token <token>', 'a JWT or API key (env KAFDO_TOKEN)')
    .option('--tenant <tenant>', 'act in this tenant: platform admins only (env KAFDO_TENANT)')
    .option('--profile <name>', 'use this saved profile instead of the current one (env KAFDO_PROFILE)')
    .addOption(new Option('-o, --output <format>', 'table for people, json for scripts').choices(['table', 'json']).default('table'))
    .option('--timeout <ms>', 'how long one call may take, retries included (default 30000)')
    // `--version` is not a program option: commander would take it from any subcommand's arguments too,
    // where `schemas get --version 2` means a schema version. main() answers it when it stands alone.
    .addHelpText('after', '\nkafdo --version (or -V) prints the version.')
    .showHelpAfterError('(add --help for usage)')
    // Subcommands inherit these: commander throws instead of exiting, and main() picks the exit code.
    .exitOverride()
  for (const add of [
    topicsCommand,
    produceCommand,
    consumeCommand,
    groupsCommand,
    queuesCommand,
    keysCommand,
    schemasCommand,
    applyCommand,
    profileCommand,
  ])
    add(program)
  return program
}

/** Runs the CLI on `argv` (as process.argv) and answers the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2)
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`)
    return EXIT_OK
  }
  const program = createProgram()
  try {
    await program.parseAsync([...argv])
    return EXIT_OK
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end this way too, with exit code 0; commander has printed the message.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    }
    const options = program.opts<GlobalOptions>()
    const json = safely(() => outputFormat(options) === 'json', false)
    const output = createOutput(json ? 'json' : 'table')
    if (err instanceof ReportedFailure) return EXIT_FAILED
    const url = safely(() => resolveSettings(options).url, DEFAULT_URL)
    if (json && !(err instanceof UsageError) && isKafdoError(err)) output.err(JSON.stringify(err.toJSON()))
    else output.err(errorLine(err, { url }))
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILED
  }
}

function isKafdoError(err: unknown): err is { toJSON(): unknown } {
  return err instanceof Error && err.name === 'KafdoError'
}

function safely<T>(read: () => T, fallback: T): T {
  try {
    return read()
  } catch {
    return fallback
  }
}

/** Lets stdout drain before exiting: a pipe reader must get every line printed. */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code))
}

main(process.argv).then(exit, (err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`)
  exit(EXIT_FAILED)
})
