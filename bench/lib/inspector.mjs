/**
 * A small Chrome DevTools Protocol client for the local workerd behind `wrangler dev --inspector-port`:
 * V8 CPU profiles of the Worker's isolate (the Worker and its Durable Objects run in it), summarised by
 * self time per function and by stage, and the isolate's heap usage.
 */
import WebSocket from 'ws'

export async function connectInspector(inspectorBase) {
  const targets = await (await fetch(`${inspectorBase}/json`)).json()
  const url = targets[0]?.webSocketDebuggerUrl
  if (!url) throw new Error(`no inspector target at ${inspectorBase}`)
  const ws = new WebSocket(url)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  let id = 0
  const pending = new Map()
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString())
    if (message.id !== undefined && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id)
      pending.delete(message.id)
      if (message.error) reject(new Error(`${message.error.message}`))
      else resolve(message.result)
    }
  })
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id
      pending.set(n, { resolve, reject })
      ws.send(JSON.stringify({ id: n, method, params }))
    })
  return { send, close: () => ws.close() }
}
