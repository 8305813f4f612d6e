/**
 * A local webhook receiver for the Workers tests (a vitest global setup, run in Node): an HTTP server on a
 * free port that records every request to `/hooks/<name>` and answers 200, or 500 for the first N
 * requests of a name told to fail. Tests reach it from inside workerd over loopback, through
 * `inject('webhookReceiver')`:
 *   POST /control/<name>  {"failFirst": 3}   the next 3 requests to /hooks/<name> answer 500
 *   GET  /received/<name>                     [{ time, headers, body, status }] in arrival order
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    webhookReceiver: string
  }
}

export interface ReceivedRequest {
  time: number
  headers: IncomingHttpHeaders
  body: string
  status: number
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const received = new Map<string, ReceivedRequest[]>()
  const failures = new Map<string, number>()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const [, area, name] = (req.url ?? '').split('/')
      if (area === 'control' && name) {
        failures.set(name, (JSON.parse(body) as { failFirst: number }).failFirst)
        res.writeHead(204).end()
      } else if (area === 'received' && name) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received.get(name) ?? []))
      } else if (area === 'hooks' && name) {
        const left = failures.get(name) ?? 0
        const status = left > 0 ? 500 : 200
        if (left > 0) failures.set(name, left - 1)
        received.set(name, [...(received.get(name) ?? []), { time: Date.now(), headers: req.headers, body, status }])
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver failing on purpose')
      } else res.writeHead(404).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  project.provide('webhookReceiver', `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  return () => new Promise<void>((resolve) => server.close(() => resolve()))
}
