/**
 * The `kafdo` CLI as a user runs it: the bin of the packed package, installed into an empty project, run
 * by the machine's Node as a child process against a local server, with a config directory of its own
 * (so no profile of the developer's is read) and, unless a test says otherwise, the server's URL and token
 * in KAFDO_URL and KAFDO_TOKEN.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { plainEnv } from './project'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface Cli {
  bin: string
  env: NodeJS.ProcessEnv
  run(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): CliResult
  /** Runs it and parses stdout as JSON (the command must succeed). */
  json<T = any>(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): T
  start(args: string[], options?: { env?: NodeJS.ProcessEnv }): ChildProcess
}

export function cliIn(app: string, env: NodeJS.ProcessEnv): Cli {
  const bin = join(app, 'node_modules', '.bin', 'kafdo')
  const base = { ...plainEnv, NO_COLOR: '1', ...env }
  const run: Cli['run'] = (args, options = {}) => {
    const result = spawnSync(bin, args, {
      env: { ...base, ...options.env },
      input: options.input ?? '',
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    })
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
  }
  return {
    bin,
    env: base,
    run,
    json(args, options) {
      const result = run([...args, '--output', 'json'], options)
      if (result.code !== 0) throw new Error(`kafdo ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`)
      return JSON.parse(result.stdout)
    },
    start(args, options = {}) {
      return spawn(bin, args, { env: { ...base, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    },
  }
}

/** Collects a child's stdout until it exits; resolves with everything it printed and its exit code. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })))
}

/** JSON lines of a command's stdout. */
export const jsonLines = (stdout: string): any[] =>
  stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line))
