/**
 * A minimal keep-alive HTTP client on node:http, used for every request the benchmark makes (Kafdo and
 * the ceiling Worker alike), so client overhead is the same on both sides of each ratio. Bodies are
 * passed as pre-encoded Buffers and read back whole as Buffers.
 */
import http from 'node:http'

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

/**
 * Sends one request to `base + path` and resolves `{ status, body }`; a status of 400 or more rejects
 * with the response text, so a broken scenario stops the benchmark instead of measuring errors.
 */
export function request(base, method, path, body) {
  const url = new URL(path, base)
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
      },
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const data = Buffer.concat(chunks)
          if (res.statusCode >= 400) reject(new Error(`${method} ${url.pathname} -> ${res.statusCode}: ${data.toString('utf8', 0, 500)}`))
          else resolve({ status: res.statusCode, body: data })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Sends a request and parses the JSON answer. */
export async function requestJson(base, method, path, payload) {
  const body = payload === undefined ? undefined : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload))
  const res = await request(base, method, path, body)
  return JSON.parse(res.body.toString('utf8'))
}

/**
 * Sends a JSON request and resolves `{ status, body }` with the answer parsed, whatever the status: for
 * protocol answers a client reacts to (a 409 REBALANCE_IN_PROGRESS from a heartbeat). Other statuses of
 * 400 or more are for the caller to turn into errors.
 */
export function requestJsonStatus(base, method, path, payload) {
  const url = new URL(path, base)
  const body = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload))
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {} },
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          try {
            resolve({ status: res.statusCode, body: JSON.parse(text) })
          } catch {
            reject(new Error(`${method} ${url.pathname} -> ${res.statusCode}: not JSON: ${text.slice(0, 500)}`))
          }
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Closes idle keep-alive sockets so the process can exit. */
export function closeHttp() {
  agent.destroy()
}
