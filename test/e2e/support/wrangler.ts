/**
 * `wrangler dev` for the docs test: any Worker config on a free port with its own persistence directory,
 * run by the project's Node 22 (wrangler needs it, whatever `node` is on the PATH), and Kafdo's own
 * Worker given a config directory of its own, so the settings a test chooses are the only ones it reads
 * (a developer's `.dev.vars` in the checkout is not).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './project'
import { captureOutput, freePort, stopProcessGroup, waitForHealth } from './server'

/** The Node 22 that `npm install` brings (a devDependency), as opposed to the machine's own `node`. */
export const PROJECT_NODE = join(ROOT, 'node_modules', 'node', 'bin', 'node')

export interface WranglerServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  port: number
  /** Everything wrangler printed so far. */
  log(): string
  stop(): Promise<void>
}

/**
 * A config directory for Kafdo's own Worker: its wrangler.toml with `main` pointing back into the
 * checkout, and a `.dev.vars` holding exactly `vars`.
 */
export function kafdoConfig(dir: string, vars: Record<string, string>): string {
  mkdirSync(dir, { recursive: true })
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8').replace(/^main = ".*"$/m, `main = ${JSON.stringify(join(ROOT, 'src/worker.ts'))}`)
  writeFileSync(join(dir, 'wrangler.toml'), toml)
  writeFileSync(
    join(dir, '.dev.vars'),
    Object.entries(vars)
      .map(([name, value]) => `${name}=${value}\n`)
      .join(''),
  )
  return join(dir, 'wrangler.toml')
}

/** Starts `wrangler dev --config <config>` and resolves once its `/health` answers 200. */
export async function startWrangler(config: string, persistTo: string): Promise<WranglerServer> {
  const [port, inspectorPort] = [await freePort(), await freePort()]
  const url = `http://127.0.0.1:${port}`
  const args = [
    'dev',
    '--config',
    config,
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    persistTo,
  ]
  const child = spawn(PROJECT_NODE, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), ...args], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const log = captureOutput(child)
  try {
    await waitForHealth(url, child, log, 90_000)
  } catch (err) {
    await stopProcessGroup(child)
    throw err
  }
  return { url, port, log, stop: () => stopProcessGroup(child) }
}
