/**
 * Where a command connects and how it prints: `--url`/`KAFDO_URL`, `--token`/`KAFDO_TOKEN`,
 * `--tenant`/`KAFDO_TENANT`, each over the current profile's setting (or `KAFDO_PROFILE`'s), and
 * `--output`. A profile named with the `--profile` flag wins over the environment, as a flag does. Every command talks to Kafdo through one `KafdoClient`, never by building URLs.
 */
import type { Command } from 'commander'
import { KafdoClient } from '../kafdo-client.js'
import { createOutput, UsageError, type Output, type OutputFormat } from './output.js'
import { readProfiles, type Profile } from './profiles.js'

export const DEFAULT_URL = 'http://localhost:8787'

export interface GlobalOptions {
  url?: string
  token?: string
  tenant?: string
  profile?: string
  output?: string
  timeout?: string
}

export interface Settings {
  url: string
  token?: string
  tenant?: string
  /** The profile the settings came from, if any. */
  profile?: string
}

export interface Context {
  client: KafdoClient
  output: Output
  settings: Settings
}

export function resolveSettings(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Settings {
  const file = readProfiles()
  const named = options.profile ?? (env.KAFDO_PROFILE || undefined)
  if (named !== undefined && !Object.hasOwn(file.profiles, named)) throw new UsageError(`no profile '${named}' (see: kafdo profile list)`)
  const name = named ?? file.current
  const profile: Profile = (name !== undefined ? file.profiles[name] : undefined) ?? {}
  // A profile named by the --profile flag is as explicit as a flag: it wins over the environment.
  const pick = (flag: string | undefined, fromEnv: string | undefined, fromProfile: string | undefined) =>
    flag ?? (options.profile !== undefined ? (fromProfile ?? (fromEnv || undefined)) : ((fromEnv || undefined) ?? fromProfile))
  const url = pick(options.url, env.KAFDO_URL, profile.url) ?? DEFAULT_URL
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http:// or https:// URL, got '${url}'`)
  const token = pick(options.token, env.KAFDO_TOKEN, profile.token)
  const tenant = pick(options.tenant, env.KAFDO_TENANT, profile.tenant)
  return { url, ...(token ? { token } : {}), ...(tenant ? { tenant } : {}), ...(name !== undefined ? { profile: name } : {}) }
}

export function outputFormat(options: GlobalOptions): OutputFormat {
  const format = options.output ?? 'table'
  if (format !== 'table' && format !== 'json') throw new UsageError(`--output must be table or json, got '${format}'`)
  return format
}

/** The context of the command that `command` is running. */
export function contextOf(command: Command): Context {
  const options = command.optsWithGlobals<GlobalOptions>()
  const output = createOutput(outputFormat(options))
  const settings = resolveSettings(options)
  const timeout = options.timeout === undefined ? undefined : positiveInteger(options.timeout, '--timeout')
  const client = new KafdoClient({
    baseUrl: settings.url,
    clientId: 'kafdo-cli',
    headers: settings.token ? { authorization: `Bearer ${settings.token}` } : {},
    ...(settings.tenant ? { tenant: settings.tenant } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
  })
  return { client, output, settings }
}

export function positiveInteger(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got '${value}'`)
  return n
}

export function nonNegativeInteger(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got '${value}'`)
  return n
}

/** `key=value` pairs of a repeated option. */
export function pairs(values: readonly string[] | undefined, name: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const value of values ?? []) {
    const eq = value.indexOf('=')
    if (eq <= 0) throw new UsageError(`${name} takes key=value, got '${value}'`)
    result[value.slice(0, eq)] = value.slice(eq + 1)
  }
  return result
}

/** Commander's collector for repeatable options. */
export const collect = (value: string, previous: string[] = []) => [...previous, value]
