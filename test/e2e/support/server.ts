/** Local servers for the e2e tests: free ports, waiting for `/health`, and stopping a whole process group. */
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))))
    })
  })
}

/** Waits until `url/health` answers 200; fails early, with the server's output, if the server exits. */
export async function waitForHealth(url: string, server: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited early:\n${log()}`)
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`the server did not answer /health within ${timeoutMs} ms:\n${log()}`)
}

/** Collects a child's stdout and stderr as they arrive. */
export function captureOutput(child: ChildProcess): () => string {
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return () => output
}

/**
 * Ends a child started with `detached: true` and everything it started (wrangler runs workerd as a child)
 * by signalling its process group: SIGTERM, then SIGKILL to whatever of the group is left.
 */
export async function stopProcessGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid) return
  const pid = child.pid
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    signalGroup(pid, 'SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
  }
  signalGroup(pid, 'SIGKILL')
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // the group has already gone
  }
}

/**
 * fetch, sent again once on a new connection when the server had closed or reset the kept-alive one it
 * reused ("other side closed", ECONNRESET: seen when the machine is loaded): `wrangler dev` closes
 * connections that sat idle, and such a request never reached the Worker. Only for test calls whose
 * repeat is harmless.
 */
export async function fetchAgainIfClosed(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } }).cause
    const why = `${String(cause)} ${String(cause?.code)}`
    if (/other side closed|ECONNRESET|UND_ERR_SOCKET/.test(why)) {
      // A moment for a loaded machine's wrangler dev to take connections again.
      await new Promise((resolve) => setTimeout(resolve, 250))
      return fetch(url, init)
    }
    // Say why: undici's "fetch failed" alone names nothing.
    throw new Error(`fetch ${url} failed: ${why}`, { cause: err })
  }
}
