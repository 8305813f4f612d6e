/**
 * One scrape of `/metrics` for a set of tenants. Per tenant: the topic list and the group list from the
 * metadata object (2 requests), one `metrics` call to every partition object of every topic, one
 * `describe` to every group's coordinator, one read of the tenant's monitor: P + G + 3 Durable Object
 * requests, the partition calls with at most FANOUT_CONCURRENCY in flight. Group lag is computed here
 * from the partitions' log ends, so it costs no further calls. An answer is cached in the isolate for
 * SCRAPE_CACHE_MS (a second Prometheus, or a retry, costs nothing), and two scrapes arriving together
 * share one fan-out.
 */
import { settleAll } from '../../core/monitoring/concurrency.js'
import { queueFigures } from '../../core/monitoring/figures.js'
import { renderExposition, type Sample } from '../../core/monitoring/exposition.js'
import { stateSamples } from '../../core/monitoring/request-metrics.js'
import { topicsMetrics } from '../../durable-objects/figure-reads.js'
import type { KafdoBindings } from '../../env.js'
import type { PartitionMetrics } from '../../protocol/partition-rpc.js'
import { DLQ_SUFFIX } from '../../protocol/queues.js'
import { isInternalTopic, type TopicMetadata } from '../../protocol/topics.js'
import { VERSION } from '../../version.js'
import { attempt, metadataStub, groupStub, monitorStub } from '../stubs.js'
import { flushTenant } from './request-metrics.js'

export const SCRAPE_CACHE_MS = 5_000
const CACHE_ENTRIES = 64
const GROUP_CONCURRENCY = 20

const cache = new Map<string, { expiresAt: number; samples: Promise<Sample[]> }>()

/** The exposition for `tenants`; `now` is the scrape's time. */
export async function scrape(env: KafdoBindings, tenants: readonly string[], now = Date.now()): Promise<string> {
  const perTenant = await Promise.all(tenants.map((tenant) => cachedTenantSamples(env, tenant, now)))
  return renderExposition([{ name: 'kafdo_build_info', labels: { version: VERSION }, value: 1 }, ...perTenant.flat()])
}

function cachedTenantSamples(env: KafdoBindings, tenant: string, now: number): Promise<Sample[]> {
  const hit = cache.get(tenant)
  if (hit && hit.expiresAt > now) return hit.samples
  const samples = tenantSamples(env, tenant, now)
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!)
  cache.set(tenant, { expiresAt: now + SCRAPE_CACHE_MS, samples })
  samples.catch(() => cache.delete(tenant))
  return samples
}

/** Forgets cached scrapes (tests, and a change whose effect should show at once). */
export function clearScrapeCache(): void {
  cache.clear()
}

async function tenantSamples(env: KafdoBindings, tenant: string, now: number): Promise<Sample[]> {
  await flushTenant(env, tenant, now)
  const monitor = monitorStub(env, tenant)
  const [topics, groupIds, monitored] = await Promise.all([
    attempt(() => metadataStub(env, tenant).listTopics(tenant)),
    attempt(() => metadataStub(env, tenant).listGroups(tenant)),
    monitor ? attempt(() => monitor.metricSnapshot()).catch(() => undefined) : Promise.resolve(undefined),
  ])
  const visible = topics.filter((topic) => !isInternalTopic(topic.topic))
  const metrics = await topicsMetrics(env, tenant, visible)
  const samples: Sample[] = []
  let errors = 0
  const logEnds = new Map<string, number>()
  const byName = new Map(visible.map((topic, i) => [topic.topic, metrics[i]!]))
  visible.forEach((topic, i) => {
    const partitions = metrics[i]!
    errors += partitions.filter((p) => p === undefined).length
    partitions.forEach((p, partition) => {
      if (p) logEnds.set(`${topic.topic}\u0000${partition}`, p.logEnd)
      if (p) samples.push(...partitionSamples(tenant, topic.topic, partition, p))
    })
    samples.push(...queueSamples(tenant, topic, partitions, byName.get(`${topic.topic}${DLQ_SUFFIX}`), now))
  })
  const groups = await settleAll(groupIds, GROUP_CONCURRENCY, (groupId) =>
    attempt(() => groupStub(env, tenant, groupId).describe({ tenant, groupId })),
  )
  groups.forEach((result, i) => {
    if (result.status === 'rejected') errors += 1
    else samples.push(...groupSamples(tenant, groupIds[i]!, result.value, logEnds))
  })
  if (monitored) {
    samples.push(...stateSamples(monitored.requests, tenant), ...stateSamples(monitored.webhooks, tenant))
    for (const [subscription, count] of Object.entries(monitored.pending)) {
      samples.push({ name: 'kafdo_webhook_pending', labels: { tenant, subscription }, value: count })
    }
  } else if (monitor) errors += 1
  samples.push(
    { name: 'kafdo_scrape_partitions', labels: { tenant }, value: visible.reduce((sum, topic) => sum + topic.partitions, 0) },
    { name: 'kafdo_scrape_errors', labels: { tenant }, value: errors },
  )
  return samples
}

const PARTITION_FIGURES: Array<[string, (p: PartitionMetrics) => number]> = [
  ['kafdo_partition_log_start_offset', (p) => p.logStart],
  ['kafdo_partition_log_end_offset', (p) => p.logEnd],
  ['kafdo_partition_size_bytes', (p) => p.sizeBytes],
  ['kafdo_records_produced_total', (p) => p.producedRecords],
  ['kafdo_bytes_produced_total', (p) => p.producedBytes],
  ['kafdo_records_fetched_total', (p) => p.fetchedRecords],
  ['kafdo_bytes_fetched_total', (p) => p.fetchedBytes],
  ['kafdo_records_dead_lettered_total', (p) => p.deadLettered],
  ['kafdo_redeliveries_total', (p) => p.redeliveries],
  ['kafdo_leases_expired_total', (p) => p.leasesExpired],
  ['kafdo_records_expired_total', (p) => p.expired],
]

function partitionSamples(tenant: string, topic: string, partition: number, p: PartitionMetrics): Sample[] {
  const labels = { tenant, topic, partition: String(partition) }
  return PARTITION_FIGURES.map(([name, figure]) => ({ name, labels, value: figure(p) }))
}

/** Queue gauges for every share group that consumed the topic, and its DLQ depth when it has one. */
function queueSamples(
  tenant: string,
  topic: TopicMetadata,
  partitions: ReadonlyArray<PartitionMetrics | undefined>,
  dlq: ReadonlyArray<PartitionMetrics | undefined> | undefined,
  now: number,
): Sample[] {
  const answered = partitions.filter((p): p is PartitionMetrics => p !== undefined)
  const groups = [...new Set(answered.flatMap((p) => p.shareGroups.map((g) => g.group)))].sort()
  const samples: Sample[] = []
  for (const group of groups) {
    const q = queueFigures(group, answered, now)
    const labels = { tenant, queue: topic.topic, group }
    samples.push(
      { name: 'kafdo_queue_depth', labels, value: q.depth },
      { name: 'kafdo_queue_ready', labels, value: q.ready },
      { name: 'kafdo_queue_in_flight', labels, value: q.inFlight },
      { name: 'kafdo_queue_delayed', labels, value: q.delayed },
      { name: 'kafdo_queue_oldest_message_age_seconds', labels, value: (q.oldestMessageAgeMs ?? 0) / 1000 },
    )
  }
  if (groups.length > 0 && dlq) {
    const depth = dlq.reduce((sum, p) => sum + (p ? p.logEnd - p.logStart : 0), 0)
    samples.push({ name: 'kafdo_queue_dlq_depth', labels: { tenant, queue: topic.topic }, value: depth })
  }
  return samples
}

/** What the scrape reads of a group (fields every version of the coordinator's `describe` answers). */
interface GroupView {
  members: readonly unknown[]
  offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>
}

function groupSamples(tenant: string, group: string, view: GroupView, logEnds: ReadonlyMap<string, number>): Sample[] {
  const samples: Sample[] = [{ name: 'kafdo_group_members', labels: { tenant, group }, value: view.members.length }]
  let total = 0
  for (const { topic, partition, offset } of view.offsets) {
    const labels = { tenant, group, topic, partition: String(partition) }
    samples.push({ name: 'kafdo_group_committed_offset', labels, value: offset })
    const end = logEnds.get(`${topic}\u0000${partition}`)
    if (end === undefined) continue
    const lag = Math.max(0, end - offset)
    total += lag
    samples.push({ name: 'kafdo_group_lag', labels, value: lag })
  }
  samples.push({ name: 'kafdo_group_total_lag', labels: { tenant, group }, value: total })
  return samples
}
