/**
 * `npm start` on a fresh copy of the tree, as a new user runs it: it creates .dev.vars, prints no stack
 * traces (none from offline requests either), and prints one ready line whose curl works.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshCopy } from './support/project'
import { captureOutput, freePort, stopProcessGroup } from './support/server'

const READY = /^Kafdo is ready on (http:\/\/\S+) — try: (curl .+)$/m
const READY_TIMEOUT_MS = 90_000

let work: string
let copy: string
let port: number
let server: ChildProcess | undefined
let output: () => string

/** Waits for the ready line; fails with everything printed so far if `npm start` exits or takes too long. */
async function readyLine(): Promise<RegExpExecArray> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    const ready = READY.exec(output())
    if (ready) return ready
    if (server?.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`)
    if (Date.now() > deadline) throw new Error(`npm start printed no ready line within ${READY_TIMEOUT_MS} ms:\n${output()}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kafdo-start-'))
  copy = freshCopy(join(work, 'clone'))
  port = await freePort()
  // The settings start.mjs chooses must not come from this environment.
  const { CLOUDFLARE_CF_FETCH_ENABLED: _cf, WRANGLER_SEND_METRICS: _metrics, ...env } = process.env
  server = spawn('npm', ['start', '--', '--port', String(port), '--inspector-port', String(await freePort()), '--persist-to', join(work, 'state')], {
    cwd: copy,
    detached: true,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  output = captureOutput(server)
})

afterAll(async () => {
  await stopProcessGroup(server)
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('npm start', () => {
  it('prints one ready line with the URL and a curl that works, and no stack traces', async () => {
    const [, url, curl] = await readyLine()

    expect(url).toBe(`http://localhost:${port}`)
    expect(curl).toBe(`curl -s localhost:${port}/health`)
    expect(output().match(new RegExp(READY.source, 'gm'))).toHaveLength(1)
    const answer = JSON.parse(execFileSync('sh', ['-c', curl!], { encoding: 'utf8', timeout: 10_000 })) as { status: string }
    expect(answer.status).toBe('ok')
    expect(output()).not.toMatch(/ENOTFOUND|getaddrinfo|Unable to fetch/)
    expect(output()).not.toMatch(/^\s+at /m)
  })

  it('creates .dev.vars on first run, so local requests need no credentials', async () => {
    await readyLine()

    expect(output()).toContain('Created .dev.vars from .dev.vars.example')
    expect(existsSync(join(copy, '.dev.vars'))).toBe(true)
    expect(readFileSync(join(copy, '.dev.vars'), 'utf8')).toMatch(/^AUTH_MODE=none$/m)
    const topics = await fetch(`http://localhost:${port}/admin/topics`)
    expect(topics.status).toBe(200)
  })

  it('serves the dashboard at /ui', async () => {
    await readyLine()

    const page = await fetch(`http://localhost:${port}/ui`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const script = /src="(\/ui\/assets\/app-[0-9a-f]+\.js)"/.exec(await page.text())
    expect(script).not.toBeNull()
    expect((await fetch(`http://localhost:${port}${script![1]}`)).status).toBe(200)
  })
})
