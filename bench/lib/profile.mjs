/**
 * Where a fetch spends its time: a V8 CPU profile of the local workerd (the Worker and the partition
 * object run in the same isolate under `wrangler dev`), taken over wrangler's DevTools inspector while
 * the client fetches a partition from offset 0, and summarised by stage. A sample is charged to the
 * deepest frame on its stack that names a stage, so "partition object: SQLite" holds the time inside
 * `sql.exec` and the cursor, whoever called them. Work the runtime does outside JavaScript on the same
 * thread (RPC serialisation, writing the response, HTTP parsing) shows as `(program)`; the client's own
 * JSON.parse of each page (what KafdoClient does) is timed in the client.
 */
import WebSocket from 'ws'
import { request } from './http.mjs'

/** Stages, deepest match wins: matched against the frame's function name and script URL. */
const STAGES = [
  { stage: 'partition object: SQLite query and rows into JS', fn: /^(exec|next|toArray|one|raw|batchesFrom|startingBatch)$/ },
  { stage: 'partition object: page assembly (slice, join, encode)', fn: /^(readBatches|batchElements|readPage|renderPage|encodeInto|encode|join)$/ },
  { stage: 'partition object: read (checks, counters)', fn: /^(read|#ready|persist|add|resolveStart)$/, url: /./ },
  { stage: 'Worker: render and send the response', fn: /^(renderFetchResponse|body|newResponse|fetchPage)$/ },
  { stage: 'Worker: routing, middleware, validation, metadata cache', url: /(hono|zod|node_modules)/ },
  {
    stage: 'Worker: routing, middleware, validation, metadata cache',
    fn: /^(observeRequest|authenticate|authorize|query|param|requireTopic|onPartition|readPartition|call|attempt|chargeFetch|settleFetch|quotasOf)$/,
  },
]

function stageOf(frame) {
  for (const { stage, fn, url } of STAGES) {
    if (fn && !fn.test(frame.functionName)) continue
    if (url && !url.test(frame.url)) continue
    if (fn || url) return stage
  }
  return undefined
}

/**
 * A minimal Chrome DevTools Protocol session over the inspector's WebSocket (with `ws`, which wrangler
 * itself depends on: wrangler's inspector proxy turns Node's built-in WebSocket client away).
 */
export async function inspectorSession(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  let id = 0
  const pending = new Map()
  ws.on('message', (data) => {
    const message = JSON.parse(String(data))
    const waiter = pending.get(message.id)
    if (!waiter) return
    pending.delete(message.id)
    if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`))
    else waiter.resolve(message.result)
  })
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      pending.set(++id, { resolve, reject, method })
      ws.send(JSON.stringify({ id, method, params }))
    })
  return { send, close: () => ws.close() }
}

/** Runs `work()` under the sampling profiler and resolves `{ profile, result }`. */
export async function cpuProfile(inspectorPort, work, { intervalUs = 250 } = {}) {
  const session = await inspectorSession(inspectorPort)
  try {
    await session.send('Profiler.enable')
    await session.send('Profiler.setSamplingInterval', { interval: intervalUs })
    await session.send('Profiler.start')
    const result = await work()
    const { profile } = await session.send('Profiler.stop')
    return { profile, result }
  } finally {
    session.close()
  }
}

/**
 * Milliseconds by stage and the top functions by self time. Idle time (waiting for the client or the
 * disk) is left out of the shares, so they add up to the isolate's busy time.
 */
export function summariseProfile(profile, { top = 12 } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const stageCache = new Map()
  const stageFor = (id) => {
    if (stageCache.has(id)) return stageCache.get(id)
    const node = nodes.get(id)
    const name = node.callFrame.functionName
    let stage
    if (name === '(garbage collector)') stage = 'garbage collection'
    else if (name === '(program)') stage = '(program): runtime outside JS (RPC, I/O, HTTP)'
    else if (name === '(idle)') stage = '(idle)'
    else stage = stageOf(node.callFrame) ?? (parent.has(id) ? stageFor(parent.get(id)) : undefined) ?? 'other JS'
    stageCache.set(id, stage)
    return stage
  }
  // A function by name and line, with its nearest named caller: native functions (`Response`, `next`)
  // and anonymous ones say little on their own.
  const named = (id) => {
    const names = []
    for (let at = parent.get(id); at !== undefined && names.length < 2; at = parent.get(at)) {
      const { functionName, lineNumber } = nodes.get(at).callFrame
      if (functionName && functionName !== '(root)') names.push(`${functionName}:${lineNumber + 1}`)
    }
    return names.length > 0 ? names.join(' <- ') : undefined
  }
  const describe = (id) => {
    const frame = nodes.get(id).callFrame
    const where = frame.url ? ` ${frame.url.split('/').pop()}:${frame.lineNumber + 1}` : ''
    const caller = frame.functionName.startsWith('(') && frame.functionName !== '(anonymous)' ? undefined : named(id)
    return `${frame.functionName || '(anonymous)'}${where}${caller ? ` <- ${caller}` : ''}`
  }
  const byStage = new Map()
  const bySelf = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000
    const id = profile.samples[i]
    const stage = stageFor(id)
    byStage.set(stage, (byStage.get(stage) ?? 0) + ms)
    const key = describe(id)
    bySelf.set(key, (bySelf.get(key) ?? 0) + ms)
  }
  const idleMs = byStage.get('(idle)') ?? 0
  byStage.delete('(idle)')
  const busyMs = [...byStage.values()].reduce((sum, ms) => sum + ms, 0)
  return {
    busyMs,
    idleMs,
    stages: [...byStage].sort((a, b) => b[1] - a[1]).map(([stage, ms]) => ({ stage, ms, share: ms / busyMs })),
    topSelf: [...bySelf]
      .filter(([key]) => !key.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms, share: ms / busyMs })),
  }
}

/**
 * Fetches partition 0 of `topic` sequentially from offset 0 under the profiler (at most `maxFetches`
 * pages of `limit`), timing each page's round trip and the client's JSON.parse of it.
 */
export async function profileFetch(base, inspectorPort, { topic, limit, maxFetches }) {
  const work = async () => {
    let offset = 0
    let records = 0
    let roundTripMs = 0
    let parseMs = 0
    let fetches = 0
    for (; fetches < maxFetches; fetches++) {
      const sent = performance.now()
      const res = await request(base, 'GET', `/topics/${topic}/partitions/0/messages?offset=${offset}&limit=${limit}&maxBytes=4194304`)
      roundTripMs += performance.now() - sent
      const parseStarted = performance.now()
      const page = JSON.parse(res.body.toString('utf8'))
      parseMs += performance.now() - parseStarted
      if (page.messages.length === 0) break
      records += page.messages.length
      offset = page.nextOffset
    }
    return { fetches, records, roundTripMs, parseMs }
  }
  const { profile, result } = await cpuProfile(inspectorPort, work)
  return {
    ...result,
    perFetchMs: result.roundTripMs / result.fetches,
    clientParsePerFetchMs: result.parseMs / result.fetches,
    profile: summariseProfile(profile),
  }
}
