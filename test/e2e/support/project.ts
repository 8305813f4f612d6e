/**
 * The project as a user gets it, for the e2e tests: a fresh copy of the files git would commit (no
 * `dist/`, no `.dev.vars`), the package packed from that copy, installed into an empty Node project, and
 * scripts run there by the machine's own Node.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** A PATH without any node_modules/.bin (this project's devDependencies include a `node`), so `node` is the machine's own. */
export const plainEnv: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.includes('node_modules'))
    .join(delimiter),
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 })
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`)
  }
}

/**
 * Copies into `dir` the files a clone of this tree would hold: tracked files plus new ones git does not
 * ignore, so uncommitted work is tested as it will be committed. node_modules is linked, as after `npm ci`.
 */
export function freshCopy(dir: string): string {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT).split('\0').filter(Boolean)
  mkdirSync(dir, { recursive: true })
  for (const file of new Set(files)) {
    const from = join(ROOT, file)
    if (!existsSync(from)) continue // deleted in the working tree, not yet in the index
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    copyFileSync(from, join(dir, file))
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

/** Runs `npm pack` in `copy` (its prepack builds dist/) and returns the tarball's path in `destination`. */
export function pack(copy: string, destination: string): string {
  const packed = run('npm', ['pack', '--pack-destination', destination], copy).trim().split('\n')
  return join(destination, packed[packed.length - 1]!.trim())
}

/** An empty ESM Node project in `dir` with `tarball` installed, as a user would install the package. */
export function installInto(dir: string, tarball: string): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'kafdo-e2e-app', private: true, type: 'module' }, null, 2))
  try {
    // The tarball's dependencies are in the npm cache; there may be no registry to ask.
    run('npm', ['install', tarball, '--no-audit', '--no-fund', '--offline'], dir)
  } catch {
    run('npm', ['install', tarball, '--no-audit', '--no-fund'], dir)
  }
  return dir
}

export interface NodeResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs an ESM script in `dir` with the machine's Node; returns its exit code and output. */
export function runNode(dir: string, script: string): NodeResult {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(file, script)
  try {
    const stdout = execFileSync('node', [file], { cwd: dir, env: plainEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
    return { code: 0, stdout, stderr: '' }
  } catch (err) {
    const { status, stdout, stderr } = err as { status?: number; stdout?: string; stderr?: string }
    return { code: status ?? 1, stdout: stdout ?? '', stderr: stderr ?? '' }
  }
}
