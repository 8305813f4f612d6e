/**
 * Starts and stops local `wrangler dev` servers for the benchmark. Each runs in its own process group
 * on a free loopback port with a fresh temporary persistence directory, and is stopped by signalling the
 * whole group (npx, wrangler, esbuild, workerd), also when the benchmark fails or is interrupted.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const HEALTH_TIMEOUT_MS = 90_000
const STOP_GRACE_MS = 5_000
/** Servers still running, so an exit handler can kill their process groups. */
const running = new Set()

/** A TCP port on 127.0.0.1 that is free right now. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function groupAlive(pid) {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

/**
 * Runs `npx wrangler dev` (with `configPath` if given, and each of `vars` as `--var NAME:value`) from
 * `cwd`, waits until `GET /health` answers, and resolves `{ base, inspectorPort, persistDir, logFile, stop }`.
 * wrangler's output goes to `logFile`.
 */
export async function startWrangler({ name, cwd, configPath, logDir, vars = {} }) {
  const port = await freePort()
  // A port of its own for the inspector too: two servers (or another project's) on the default 9229 collide.
  const inspectorPort = await freePort()
  const persistDir = fs.mkdtempSync(path.join(os.tmpdir(), `kafdo-bench-${name}-`))
  const logFile = path.join(logDir, `wrangler-${name}.log`)
  const log = fs.openSync(logFile, 'w')
  const args = [
    'wrangler',
    'dev',
    ...(configPath ? ['--config', configPath] : []),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    persistDir,
    ...Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}:${value}`]),
  ]
  const child = spawn('npx', args, {
    cwd,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  })
  fs.closeSync(log)
  let exited = false
  child.on('exit', () => (exited = true))
  const server = {
    name,
    base: `http://127.0.0.1:${port}`,
    /** wrangler's DevTools inspector (Chrome DevTools Protocol), for CPU profiles and heap figures. */
    inspectorPort,
    persistDir,
    logFile,
    pid: child.pid,
    /** Stops the server; `{ keepState: true }` leaves `persistDir` for the caller to inspect and delete. */
    stop: (options) => stopServer(server, options),
  }
  running.add(server)
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited) break
    try {
      const res = await fetch(`${server.base}/health`)
      if (res.ok) return server
    } catch {
      // not listening yet
    }
    await sleep(250)
  }
  await stopServer(server)
  const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')
  throw new Error(`wrangler dev (${name}) did not become healthy on port ${port}:\n${tail}`)
}

/** SIGTERM to the server's process group, SIGKILL after a grace period; then its state is deleted. */
async function stopServer(server, { keepState = false } = {}) {
  if (!running.delete(server)) return
  killGroup(server.pid, 'SIGTERM')
  if (!(await groupGone(server.pid, STOP_GRACE_MS))) {
    killGroup(server.pid, 'SIGKILL')
    await groupGone(server.pid, STOP_GRACE_MS)
  }
  if (!keepState) removeDir(server.persistDir)
}

/** Waits up to `ms` for every process of the group to exit; resolves whether they did. */
async function groupGone(pid, ms) {
  const deadline = Date.now() + ms
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100)
  return !groupAlive(pid)
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
}

/** Files of the project that `wrangler dev` builds Kafdo from. */
const SNAPSHOT_ENTRIES = ['src', 'wrangler.toml', 'package.json', 'tsconfig.json']
const snapshots = new Set()

/**
 * Copies what Kafdo's Worker is built from (`src/`, wrangler.toml, package.json, tsconfig.json) to a fresh
 * temporary directory, with `node_modules` linked, and resolves its path. Servers started there measure
 * the code as it was when the run began: `wrangler dev` rebuilds and restarts the Worker whenever a
 * watched file changes, which would otherwise break requests in flight and mix versions into one run.
 * Removed by `removeSnapshots` (and on exit).
 */
export function snapshotProject(root) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafdo-bench-src-'))
  snapshots.add(dir)
  for (const entry of SNAPSHOT_ENTRIES) {
    const from = path.join(root, entry)
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, entry), { recursive: true })
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  return dir
}

export function removeSnapshots() {
  for (const dir of snapshots) removeDir(dir)
  snapshots.clear()
}

/** Stops every server still running (on failure or interrupt). */
export async function stopAll() {
  await Promise.all([...running].map((server) => stopServer(server)))
}

/** Last resort on process exit: synchronous SIGKILL of every group still registered. */
export function killAllNow() {
  for (const server of running) {
    killGroup(server.pid, 'SIGKILL')
    try {
      removeDir(server.persistDir)
    } catch {
      // the processes may still be exiting; the directory is in the OS temp dir
    }
  }
  running.clear()
  try {
    removeSnapshots()
  } catch {
    // in the OS temp dir
  }
}
