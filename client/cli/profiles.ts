/**
 * Profiles: named connections (URL, token, tenant) kept in the user's config directory, as
 * `$XDG_CONFIG_HOME/kafdo/config.json` (or `~/.config/kafdo/config.json`), written readable by the user
 * alone since it may hold tokens. One profile is current; `--profile` or `KAFDO_PROFILE` picks another.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { UsageError } from './output.js'

export interface Profile {
  url?: string
  token?: string
  tenant?: string
}

export interface ProfileFile {
  current?: string
  profiles: Record<string, Profile>
}

export const PROFILE_NAME = /^[A-Za-z0-9._-]{1,64}$/

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config')
  return join(base, 'kafdo', 'config.json')
}

export function readProfiles(path = configPath()): ProfileFile {
  if (!existsSync(path)) return { profiles: {} }
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON (${(err as Error).message}); fix or delete it`)
  }
  const file = parsed as Partial<ProfileFile> | null
  if (!file || typeof file !== 'object' || typeof file.profiles !== 'object' || file.profiles === null) {
    throw new UsageError(`${path} is not a kafdo profile file (it needs a "profiles" map); fix or delete it`)
  }
  return { ...(typeof file.current === 'string' ? { current: file.current } : {}), profiles: file.profiles }
}

/** Written whole to a temporary file first, so an interrupted write never leaves half a file. */
export function writeProfiles(file: ProfileFile, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
  chmodSync(temporary, 0o600)
  renameSync(temporary, path)
}
