#!/usr/bin/env node
// `npm start`: runs Kafdo locally with `wrangler dev` (state kept under .wrangler/state) and prints one
// line with the URL and a first request to try once the server answers /health. On first run it copies
// .dev.vars.example to .dev.vars, which turns authentication off for local development.
//
// Offline, Miniflare's fetch of https://workers.cloudflare.com/cf.json (the data it fills `request.cf`
// with) fails with a stack trace. Kafdo does not read `request.cf`, so that fetch is off
// (CLOUDFLARE_CF_FETCH_ENABLED=false; Miniflare then uses its placeholder), and so is wrangler's telemetry
// (WRANGLER_SEND_METRICS=false). Either can be turned back on from the environment.
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'

const DEFAULT_PORT = 8787
const args = process.argv.slice(2)

if (!existsSync('.dev.vars') && existsSync('.dev.vars.example')) {
  copyFileSync('.dev.vars.example', '.dev.vars')
  console.log('Created .dev.vars from .dev.vars.example (AUTH_MODE=none: authentication is off for local development).')
}

// wrangler moves to a random port when the default one is taken; pick it here instead, so the ready line
// names the port the server really listens on.
let port = Number(option('--port'))
if (!port) {
  port = (await isFree(DEFAULT_PORT)) ? DEFAULT_PORT : await anyFreePort()
  if (port !== DEFAULT_PORT) args.push('--port', String(port))
}
const ip = option('--ip')
const host = !ip || ip === '0.0.0.0' || ip === '::' || ip === '*' ? 'localhost' : ip.includes(':') ? `[${ip}]` : ip

const child = spawn('wrangler', ['dev', ...args], {
  stdio: 'inherit',
  env: {
    ...process.env,
    WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? 'false',
  },
})
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))

if (await healthy(`http://${host}:${port}`)) {
  console.log(`\nKafdo is ready on http://${host}:${port} — try: curl -s ${host}:${port}/health\n`)
}

/** The value of `--name value` or `--name=value` among the arguments passed to wrangler. */
function option(name) {
  const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`))
  if (index < 0) return undefined
  return args[index].includes('=') ? args[index].slice(name.length + 1) : args[index + 1]
}

function isFree(candidate) {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(candidate, () => probe.close(() => resolve(true)))
  })
}

function anyFreePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, () => {
      const { port: free } = probe.address()
      probe.close(() => resolve(free))
    })
  })
}

/** Polls `/health` until it answers or wrangler exits; true once it answered. */
async function healthy(url) {
  while (child.exitCode === null && child.signalCode === null) {
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
      if (response.ok) return true
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return false
}
