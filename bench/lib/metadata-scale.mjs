/**
 * Metadata at scale: a local simulation of how many requests a second the busiest metadata object gets,
 * with many Worker isolates, tenants and topics, before and after metadata was sharded per tenant.
 *
 * Each simulated isolate serves produce/fetch requests that land on it at random (as Cloudflare spreads
 * them) and caches what it learns as the Worker does, with the TTLs read from the sources: topic metadata
 * (services/topic-cache.ts), tenant quotas (services/quotas.ts) and verified API keys
 * (services/api-keys.ts). Every cache miss is one request to a metadata object, named as the code names
 * it: before the sharding every one went to the one object `cluster`; now each goes to the tenant's own
 * object, and the directory is asked only for API keys minted before keys named their tenant (once per
 * isolate per such key; `legacyKeyShare` of the keys). Requests are counted per object over a window of
 * simulated time, after a warm-up of one cache lifetime, and the busiest object's rate is reported.
 */
import fs from 'node:fs'
import path from 'node:path'

/** A numeric constant as the TypeScript source declares it (`export const NAME = 5_000`). */
function constantFrom(root, file, name) {
  const text = fs.readFileSync(path.join(root, file), 'utf8')
  const match = new RegExp(`const ${name} = ([0-9_]+)`).exec(text)
  if (!match) throw new Error(`${file} declares no ${name}`)
  return Number(match[1].replaceAll('_', ''))
}

export function cacheTtls(root) {
  return {
    topicMs: constantFrom(root, 'src/services/topic-cache.ts', 'TOPIC_CACHE_TTL_MS'),
    quotasMs: constantFrom(root, 'src/services/quotas.ts', 'QUOTA_CACHE_MS'),
    apiKeyMs: constantFrom(root, 'src/services/api-keys.ts', 'API_KEY_CACHE_MS'),
  }
}

/** A small deterministic generator, so runs compare. */
function random(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * One run: `isolates` isolates, `tenants` tenants with `topicsPerTenant` topics and one API key each,
 * every tenant sending `requestsPerTenant` requests a second (to a random topic, through a random isolate).
 */
export function simulate({ isolates, tenants, topicsPerTenant, requestsPerTenant, seconds, ttls, legacyKeyShare = 0, seed = 1 }) {
  const rand = random(seed)
  const caches = Array.from({ length: isolates }, () => new Map())
  const before = new Map()
  const after = new Map()
  const count = (counts, name) => counts.set(name, (counts.get(name) ?? 0) + 1)
  const warmupMs = Math.max(ttls.topicMs, ttls.quotasMs, ttls.apiKeyMs)
  const windowMs = seconds * 1000
  const total = Math.round(tenants * requestsPerTenant * ((warmupMs + windowMs) / 1000))
  const step = (warmupMs + windowMs) / total
  for (let i = 0; i < total; i++) {
    const now = i * step
    const counted = now >= warmupMs
    const tenant = Math.floor(rand() * tenants)
    const topic = Math.floor(rand() * topicsPerTenant)
    const cache = caches[Math.floor(rand() * isolates)]
    const legacyKey = tenant < tenants * legacyKeyShare
    // The lookups one produce or fetch needs, each answered from the isolate's cache while fresh.
    const lookups = [
      [`key/${tenant}`, ttls.apiKeyMs, legacyKey ? 'legacy-key' : 'key'],
      [`quotas/${tenant}`, ttls.quotasMs, 'quotas'],
      [`topic/${tenant}/${topic}`, ttls.topicMs, 'topic'],
    ]
    for (const [key, ttl, kind] of lookups) {
      const expiresAt = cache.get(key)
      if (expiresAt !== undefined && expiresAt > now) continue
      cache.set(key, now + ttl)
      if (!counted) continue
      count(before, 'cluster')
      count(after, `tenant:${tenant}`)
      // A key of the older form: its tenant is asked of the directory once per isolate, then kept.
      if (kind === 'legacy-key' && cache.get(`legacy/${tenant}`) === undefined) {
        cache.set(`legacy/${tenant}`, Infinity)
        count(after, 'cluster')
      }
    }
  }
  const busiest = (counts) => {
    let top = ['', 0]
    for (const entry of counts) if (entry[0] !== 'cluster' || counts.size === 1) if (entry[1] > top[1]) top = entry
    return { object: top[0], requestsPerSec: top[1] / seconds }
  }
  return {
    isolates,
    tenants,
    topicsPerTenant,
    requestsPerTenant,
    objects: { before: before.size, after: after.size },
    busiestBefore: busiest(before),
    busiestAfter: busiest(after),
    // One-time lookups of old-form keys, made while isolates first meet them (they stop once all have).
    directoryAfter: { asks: after.get('cluster') ?? 0, requestsPerSec: (after.get('cluster') ?? 0) / seconds },
  }
}

/**
 * The same figures as arithmetic, for scales too large to simulate. An isolate asks again for a topic at
 * most once per TTL, so one object sees at most `isolates × topics / TTL` requests a second from topic
 * lookups (plus quotas and keys, per tenant) — and never more than the requests that cause them.
 */
export function arithmetic({ isolates, tenants, topicsPerTenant, requestsPerTenant, ttls }) {
  const perIsolateAndTenant = Math.min(
    topicsPerTenant / (ttls.topicMs / 1000) + 1 / (ttls.quotasMs / 1000) + 1 / (ttls.apiKeyMs / 1000),
    // Lookups are caused by requests: an isolate that gets few of a tenant's requests asks less.
    (3 * requestsPerTenant) / isolates,
  )
  const perTenant = isolates * perIsolateAndTenant
  return { isolates, tenants, before: tenants * perTenant, after: perTenant }
}

export function metadataScale(root, { quick = false } = {}) {
  const ttls = cacheTtls(root)
  const shape = { topicsPerTenant: 10, requestsPerTenant: 20 }
  const scales = quick ? [10, 100] : [10, 100, 1000]
  const simulated = scales.map((n) => simulate({ isolates: n, tenants: n, ...shape, seconds: quick ? 10 : 20, ttls, legacyKeyShare: 0.1 }))
  // A tenant with 1,000 times the others' traffic: its own object is the busiest, and only it.
  const hot = simulate({ isolates: 1000, tenants: 10, ...shape, requestsPerTenant: 2000, seconds: quick ? 5 : 10, ttls })
  const computed = [10, 1000, 100_000].map((n) => arithmetic({ isolates: n, tenants: n, ...shape, ttls }))
  return { ttls, shape, simulated, hot, arithmetic: computed }
}

export function printMetadataScale(result) {
  const { ttls, shape, simulated, hot, arithmetic: computed } = result
  const rate = (value) => Math.round(value).toLocaleString('en-US')
  console.log('\n== Metadata at scale (simulated isolates and caches; requests per second to the busiest metadata object)')
  console.log(
    `   caches: topic ${ttls.topicMs} ms, quotas ${ttls.quotasMs} ms, API keys ${ttls.apiKeyMs} ms; ${shape.topicsPerTenant} topics and ${shape.requestsPerTenant} req/s per tenant`,
  )
  console.log('   isolates = tenants | before: one object | after: busiest tenant object | after: directory (old-form keys, once per isolate)')
  for (const run of simulated) {
    console.log(
      `   ${String(run.isolates).padStart(18)} | ${rate(run.busiestBefore.requestsPerSec).padStart(19)} | ${rate(run.busiestAfter.requestsPerSec).padStart(28)} | ${rate(run.directoryAfter.requestsPerSec)} req/s while isolates first meet ${Math.round(run.tenants * 0.1)} old keys`,
    )
  }
  console.log(
    `   one hot tenant (${hot.requestsPerTenant} req/s, 1000 isolates, 10 tenants): busiest ${hot.busiestAfter.object} at ${rate(hot.busiestAfter.requestsPerSec)} req/s (before: ${rate(hot.busiestBefore.requestsPerSec)})`,
  )
  console.log(
    "   arithmetic: a tenant object gets min(isolates x (topics/topic TTL + 1/quota TTL + 1/key TTL), 3 x the tenant's req/s); before, one object got tenants x that",
  )
  for (const row of computed)
    console.log(`   ${String(row.isolates).padStart(18)} | ${rate(row.before).padStart(19)} | ${rate(row.after).padStart(28)} | 0`)
}
