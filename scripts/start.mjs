#!/usr/bin/env node
// `npm start`: runs Kafdo locally with `wrangler dev` (state kept under .wrangler/state). On first run it
// copies .dev.vars.example to .dev.vars, which turns authentication off for local development.
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync } from 'node:fs'

if (!existsSync('.dev.vars') && existsSync('.dev.vars.example')) {
  copyFileSync('.dev.vars.example', '.dev.vars')
  console.log('Created .dev.vars from .dev.vars.example (AUTH_MODE=none: authentication is off for local development).')
}
const child = spawn('wrangler', ['dev', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } })
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
