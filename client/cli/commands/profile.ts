/**
 * `kafdo profile set|use|list|delete`: named connections in the user's config directory. Tokens are
 * stored there (readable by the user alone) and never printed: `list` says only whether one is set.
 */
import type { Command } from 'commander'
import { outputFormat, type GlobalOptions } from '../context.js'
import { createOutput, emit, table, UsageError } from '../output.js'
import { configPath, PROFILE_NAME, readProfiles, writeProfiles, type Profile } from '../profiles.js'

interface SetOptions {
  url?: string
  token?: string
  tenant?: string
  tokenStdin?: boolean
}

export function profileCommand(program: Command): void {
  const profile = program
    .command('profile')
    .description(`named connections (URL, token, tenant), kept in ${configPath().replace(process.env.HOME ?? '\0', '~')}`)
  const outputOf = (command: Command) => createOutput(outputFormat(command.optsWithGlobals<GlobalOptions>()))

  profile
    .command('set <name>')
    .description('create or change a profile (the first one becomes current)')
    .option('--token-stdin', 'read the token from stdin (a --token argument shows in shell history)')
    .addHelpText(
      'after',
      '\nSaves the global --url, --token (or --token-stdin) and --tenant given with it, e.g.\n  kafdo profile set prod --url https://kafdo.example.com --token-stdin < token.txt',
    )
    .action(async (name: string, _options, command: Command) => {
      // --url, --token and --tenant are the program's own options: this saves what they say.
      const options = command.optsWithGlobals<SetOptions>()
      if (!PROFILE_NAME.test(name)) throw new UsageError(`a profile name is 1-64 letters, digits, '.', '_' or '-', got '${name}'`)
      if (options.url !== undefined && !/^https?:\/\/[^/]/.test(options.url))
        throw new UsageError(`--url must be an http:// or https:// URL, got '${options.url}'`)
      const token = options.tokenStdin ? (await readStdin()).trim() : options.token
      const file = readProfiles()
      const next: Profile = { ...file.profiles[name] }
      if (options.url !== undefined) next.url = options.url
      if (token !== undefined) next.token = token
      if (options.tenant !== undefined) next.tenant = options.tenant
      file.profiles[name] = next
      file.current ??= name
      writeProfiles(file)
      emit(
        outputOf(command),
        { profile: name, current: file.current === name },
        () => `saved profile ${name}${file.current === name ? ' (current)' : ''}`,
      )
    })

  profile
    .command('use <name>')
    .description('make a profile current')
    .action((name: string, _options, command: Command) => {
      const file = readProfiles()
      if (!Object.hasOwn(file.profiles, name)) throw new UsageError(`no profile '${name}' (see: kafdo profile list)`)
      writeProfiles({ ...file, current: name })
      emit(outputOf(command), { current: name }, () => `now using profile ${name}`)
    })

  profile
    .command('list')
    .description('the profiles (tokens are never shown)')
    .action((_options, command: Command) => {
      const file = readProfiles()
      const profiles = Object.entries(file.profiles).map(([name, p]) => ({
        name,
        current: file.current === name,
        url: p.url ?? null,
        tenant: p.tenant ?? null,
        token: p.token ? 'set' : 'none',
      }))
      emit(outputOf(command), { path: configPath(), profiles }, ({ profiles }) =>
        profiles.length === 0
          ? 'no profiles (create one with: kafdo profile set <name> --url <url>)'
          : table(
              ['', 'name', 'url', 'tenant', 'token'],
              profiles.map((p) => [p.current ? '*' : '', p.name, p.url, p.tenant, p.token]),
            ),
      )
    })

  profile
    .command('delete <name>')
    .description('delete a profile')
    .action((name: string, _options, command: Command) => {
      const file = readProfiles()
      if (!Object.hasOwn(file.profiles, name)) throw new UsageError(`no profile '${name}' (see: kafdo profile list)`)
      delete file.profiles[name]
      if (file.current === name) delete file.current
      writeProfiles(file)
      emit(outputOf(command), { deleted: name }, () => `deleted profile ${name}`)
    })
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--token-stdin reads the token from stdin: pipe it in')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
