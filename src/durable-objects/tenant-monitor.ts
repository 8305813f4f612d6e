/**
 * TenantMonitorDO: one per tenant (never one for the cluster), optional like TenantQuotaDO. It holds
 * - the tenant's per-request metrics, merged from the deltas Worker isolates flush at most every 10 s;
 * - alert webhook subscriptions, and per subscription a queue of events delivered on the alarm, one at a
 *   time and in order, retried with backoff, finished ones kept as the delivery log;
 * - consumer group health thresholds, and the periodic health evaluation (alert-evaluation.ts) that
 *   turns threshold crossings, recoveries and rebalance storms into events.
 * Nothing here is on the produce, fetch or ack path: partitions hand their events over without waiting,
 * and a webhook endpoint is only ever called from the alarm.
 */
import { DurableObject } from 'cloudflare:workers'
import { addCount, emptyState, mergeInto } from '../core/monitoring/request-metrics.js'
import { secretDigest } from '../core/monitoring/webhook-signature.js'
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import {
  MAX_PENDING_WEBHOOK_EVENTS,
  MAX_WEBHOOKS_PER_TENANT,
  type CreatedWebhook,
  type CreateWebhookRequest,
  type GroupHealthThreshold,
  type WebhookDelivery,
  type WebhookDescription,
  type WebhookEvent,
  type WebhookUpdate,
} from '../protocol/monitoring.js'
import type { MetricState, MonitorMetrics, RaisedEvent, ResourceHealthState } from '../protocol/tenant-rpc.js'
import { runMigrations } from '../storage/migrations.js'
import { MONITOR_MIGRATIONS, MonitorStore, type QueuedEvent, type StoredWebhook } from '../storage/monitor-store.js'
import { runDueTimers, type TimerTable } from '../storage/timer-dispatch.js'
import { TimerStore } from '../storage/timers.js'
import { evaluateAlerts, HEALTH_EVALUATION_MS } from './alert-evaluation.js'
import { attemptDelivery } from './webhook-sender.js'

/** The monitor's timers, one of each kind (key ''): webhook deliveries, and the periodic health evaluation. */
type TimerKind = 'deliver' | 'evaluate'
const ONLY = ''
/** Events one subscription may be sent in one alarm run (the rest wait for the next). */
const MAX_SENDS_PER_RUN = 100
const HEALTH_EVENTS = new Set(['health.threshold_crossed', 'health.recovered', 'group.rebalance_storm'])

export class TenantMonitorDO extends DurableObject<KafdoEnv> {
  #store: MonitorStore
  #timers: TimerStore
  #tenant: string | undefined
  #requests: MetricState = emptyState()
  #webhookCounts: MetricState = emptyState()
  #webhooks: StoredWebhook[] = []
  /** The delivery pass under way: a second alarm run meanwhile waits for it rather than send its events again. */
  #delivering: Promise<void> | undefined
  /** `watch` was called since the running evaluation started: evaluate again at once, whatever it found. */
  #watchAsked = false

  /** What each timer does when due; a failed run is logged and tried again (deliveries: at the next event's time). */
  readonly #onTimer: TimerTable<TimerKind> = {
    deliver: async (_timer, now) => {
      await this.#deliver(now).catch((err: unknown) => logFailure('deliver', err))
      return 'done' as const
    },
    evaluate: async (_timer, now) => {
      this.#watchAsked = false
      const watching = await this.#evaluate(now).catch((err: unknown) => (logFailure('evaluate', err), true))
      if (this.#watchAsked) return { retryAt: Date.now() }
      return watching ? { retryAt: now + HEALTH_EVALUATION_MS } : 'done'
    },
  }

  constructor(ctx: DurableObjectState, env: KafdoEnv) {
    super(ctx, env)
    this.#store = new MonitorStore(ctx.storage)
    this.#timers = new TimerStore(ctx.storage)
    ctx.blockConcurrencyWhile(async () => {
      runMigrations(ctx.storage, MONITOR_MIGRATIONS)
      this.#tenant = this.#store.tenant()
      this.#requests = this.#store.metricState('requests') ?? emptyState()
      this.#webhookCounts = this.#store.metricState('webhooks') ?? emptyState()
      this.#webhooks = this.#store.webhooks()
    })
  }

  /** Merges an isolate's delta of per-request metrics: one row written per flush. */
  ingest(tenant: string, delta: MetricState): void {
    this.#own(tenant)
    mergeInto(this.#requests, delta)
    this.#store.writeMetricState('requests', this.#requests, Date.now())
  }

  metricSnapshot(): MonitorMetrics {
    return { requests: this.#requests, webhooks: this.#webhookCounts, pending: this.#store.pendingCounts() }
  }

  /**
   * Queues events for every subscription that listens to their type, up to MAX_PENDING_WEBHOOK_EVENTS
   * waiting per subscription (the rest are counted as dropped); answers how many deliveries that made.
   */
  async raise(tenant: string, events: RaisedEvent[]): Promise<number> {
    this.#own(tenant)
    let queued = 0
    const dropped = new Map<string, number>()
    const now = Date.now()
    this.ctx.storage.transactionSync(() => {
      let pending: Record<string, number> | undefined
      for (const raised of events) {
        const listeners = this.#webhooks.filter((webhook) => webhook.events.includes(raised.type as StoredWebhook['events'][number]))
        if (listeners.length === 0) continue
        pending ??= this.#store.pendingCounts()
        const event = this.#event(raised)
        for (const webhook of listeners) {
          const waiting = pending[webhook.id] ?? 0
          if (waiting >= MAX_PENDING_WEBHOOK_EVENTS) {
            dropped.set(webhook.id, (dropped.get(webhook.id) ?? 0) + 1)
            continue
          }
          this.#store.enqueue(webhook.id, event.id, event.type, JSON.stringify(event), now)
          pending[webhook.id] = waiting + 1
          queued++
        }
      }
    })
    if (dropped.size > 0) this.#countDropped(tenant, dropped, now)
    if (queued > 0) {
      this.#timers.setIfEarlier('deliver', ONLY, now)
      await this.#timers.arm()
    }
    return queued
  }

  async createWebhook(tenant: string, request: CreateWebhookRequest): Promise<Result<CreatedWebhook>> {
    this.#own(tenant)
    if (this.#webhooks.length >= MAX_WEBHOOKS_PER_TENANT) {
      return fail('POLICY_VIOLATION', `a tenant may have at most ${MAX_WEBHOOKS_PER_TENANT} webhooks`, { limit: MAX_WEBHOOKS_PER_TENANT })
    }
    const named = request.name !== undefined ? this.#webhooks.find((w) => w.name === request.name) : undefined
    if (named) return fail('POLICY_VIOLATION', `a webhook named '${named.name}' exists (${named.id}): names are unique`, { id: named.id })
    const webhook: StoredWebhook = {
      id: `wh_${randomHex(8)}`,
      name: request.name ?? null,
      url: request.url,
      events: [...new Set(request.events)],
      format: request.format ?? 'json',
      secret: request.secret ?? `whsec_${randomHex(32)}`,
      description: request.description ?? null,
      createdAt: Date.now(),
    }
    this.#store.insertWebhook(webhook)
    this.#webhooks = this.#store.webhooks()
    if (webhook.events.some((type) => HEALTH_EVENTS.has(type))) await this.watch(tenant)
    return ok({ ...describe(webhook), secret: webhook.secret })
  }

  listWebhooks(): WebhookDescription[] {
    return this.#webhooks.map(describe)
  }

  webhook(id: string): Result<WebhookDescription> {
    const webhook = this.#webhooks.find((w) => w.id === id)
    return webhook ? ok(describe(webhook)) : fail('NOT_FOUND', `no webhook '${id}'`, { id })
  }

  /** Changes a subscription in place (a declarative apply): its id, delivery log and, unless given, secret stay. */
  async updateWebhook(tenant: string, id: string, update: WebhookUpdate): Promise<Result<WebhookDescription>> {
    this.#own(tenant)
    const before = this.#webhooks.find((w) => w.id === id)
    if (!before) return fail('NOT_FOUND', `no webhook '${id}'`, { id })
    const defined = Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)) as WebhookUpdate
    const webhook: StoredWebhook = { ...before, ...defined, ...(update.events ? { events: [...new Set(update.events)] } : {}) }
    this.#store.updateWebhook(webhook)
    this.#webhooks = this.#store.webhooks()
    if (webhook.events.some((type) => HEALTH_EVENTS.has(type))) await this.watch(tenant)
    return ok(describe(webhook))
  }

  /**
   * Each subscription with a SHA-256 digest of its secret, so a declarative apply can tell whether a
   * declared secret is the one held without the secret leaving this object.
   */
  async webhookSecretDigests(): Promise<Record<string, string>> {
    const digests = await Promise.all(this.#webhooks.map(async (w) => [w.id, await secretDigest(w.secret)] as const))
    return Object.fromEntries(digests)
  }

  deleteWebhook(id: string): Result<null> {
    if (!this.#store.deleteWebhook(id)) return fail('NOT_FOUND', `no webhook '${id}'`, { id })
    this.#webhooks = this.#store.webhooks()
    return ok(null)
  }

  /** A subscription's delivery log, newest first (pending events included). */
  deliveries(id: string, limit: number): Result<WebhookDelivery[]> {
    if (!this.#webhooks.some((w) => w.id === id)) return fail('NOT_FOUND', `no webhook '${id}'`, { id })
    return ok(this.#store.events(id, limit).map(({ webhookId: _w, seq: _s, event: _e, ...delivery }) => delivery))
  }

  /** Queues a `webhook.test` event for one subscription, whatever it listens to. */
  async testWebhook(tenant: string, id: string): Promise<Result<{ eventId: string }>> {
    this.#own(tenant)
    if (!this.#webhooks.some((w) => w.id === id)) return fail('NOT_FOUND', `no webhook '${id}'`, { id })
    const event = this.#event({ type: 'webhook.test', occurredAt: Date.now(), data: { subscription: id } })
    this.#store.enqueue(id, event.id, event.type, JSON.stringify(event), Date.now())
    this.#timers.setIfEarlier('deliver', ONLY, Date.now())
    await this.#timers.arm()
    return ok({ eventId: event.id })
  }

  groupThresholds(groupId: string): GroupHealthThreshold[] {
    return this.#store.groupThresholds(groupId)
  }

  /** Every group with thresholds, by group id. */
  allGroupThresholds(): Record<string, GroupHealthThreshold[]> {
    return Object.fromEntries(this.#store.allGroupThresholds())
  }

  async setGroupThresholds(tenant: string, groupId: string, thresholds: GroupHealthThreshold[]): Promise<GroupHealthThreshold[]> {
    this.#own(tenant)
    this.#store.writeGroupThresholds(groupId, thresholds, Date.now())
    if (thresholds.length > 0) await this.watch(tenant)
    return this.#store.groupThresholds(groupId)
  }

  /** What the periodic evaluation remembers of a resource (`topic:<topicId>`, `group:<groupId>`). */
  healthState(resource: string): ResourceHealthState | null {
    return this.#store.healthState(resource) ?? null
  }

  /** Starts the periodic evaluation (at once), if it is not running. */
  async watch(tenant: string): Promise<void> {
    this.#own(tenant)
    this.#watchAsked = true
    this.#timers.setIfAbsent('evaluate', ONLY, Date.now())
    await this.#timers.arm()
  }

  override async alarm(): Promise<void> {
    await runDueTimers(this.#timers, this.#onTimer)
    const next = this.#store.nextAttemptAt()
    if (next !== undefined) this.#timers.setIfEarlier('deliver', ONLY, next)
    await this.#timers.arm()
  }

  #countDropped(tenant: string, dropped: Map<string, number>, now: number): void {
    for (const [id, count] of dropped) {
      addCount(this.#webhookCounts, 'kafdo_webhook_deliveries_total', [id, 'dropped'], count)
      console.warn(
        JSON.stringify({ level: 'warn', message: 'webhook events dropped: the subscription has too many waiting', tenant, webhook: id, count }),
      )
    }
    this.#store.writeMetricState('webhooks', this.#webhookCounts, now)
  }

  /** Sends every subscription's due events, subscriptions in parallel, each one's in order, stopping at a failure. */
  async #deliver(now: number): Promise<void> {
    if (this.#delivering) return this.#delivering
    this.#delivering = this.#deliverDue(now).finally(() => (this.#delivering = undefined))
    return this.#delivering
  }

  async #deliverDue(now: number): Promise<void> {
    const due = this.#store.heads().filter((head) => head.nextAttemptAt !== null && head.nextAttemptAt <= now)
    await Promise.all(
      due.map(async (first) => {
        const webhook = this.#webhooks.find((w) => w.id === first.webhookId)
        let head: QueuedEvent | undefined = first
        for (let sent = 0; webhook && head && sent < MAX_SENDS_PER_RUN; sent++) {
          const after = await attemptDelivery(webhook, head, now)
          // The subscription may have been deleted while the request was out.
          if (!this.#webhooks.some((w) => w.id === webhook.id)) return
          this.#store.recordAttempt(after)
          const result = after.status === 'pending' ? 'retried' : after.status
          addCount(this.#webhookCounts, 'kafdo_webhook_deliveries_total', [webhook.id, result])
          if (after.status === 'pending') break
          head = this.#store.heads().find((h) => h.webhookId === webhook.id)
        }
        if (webhook) this.#store.pruneLog(webhook.id)
      }),
    )
    this.#store.writeMetricState('webhooks', this.#webhookCounts, now)
  }

  /** Evaluates the tenant's health; answers whether anything is left to watch (if not, the loop stops). */
  async #evaluate(now: number): Promise<boolean> {
    if (!this.#tenant) return false
    const result = await evaluateAlerts({
      env: this.env,
      tenant: this.#tenant,
      now,
      state: (resource) => this.#store.healthState(resource),
      groupThresholds: this.#store.allGroupThresholds(),
      stormWatched: this.#webhooks.some((w) => w.events.includes('group.rebalance_storm')),
    })
    this.ctx.storage.transactionSync(() => {
      for (const [resource, state] of result.states) this.#store.writeHealthState(resource, state, now)
      // Resources no longer evaluated (deleted, thresholds removed) are forgotten after a day.
      this.#store.forgetHealthStatesBefore(now - 86_400_000)
    })
    if (result.events.length > 0) await this.raise(this.#tenant, result.events)
    return result.watching
  }

  /** The monitor learns its tenant from the first call (its name is the tenant, but alarms carry no caller). */
  #own(tenant: string): void {
    if (this.#tenant !== undefined) return
    this.#store.writeTenant(tenant)
    this.#tenant = tenant
  }

  #event(raised: RaisedEvent): WebhookEvent {
    return {
      id: `evt_${randomHex(12)}`,
      type: raised.type,
      tenant: this.#tenant ?? 'unknown',
      occurredAt: new Date(raised.occurredAt).toISOString(),
      data: raised.data,
    }
  }
}

function describe(webhook: StoredWebhook): WebhookDescription {
  return {
    id: webhook.id,
    name: webhook.name,
    url: webhook.url,
    events: webhook.events,
    format: webhook.format,
    description: webhook.description,
    createdAt: webhook.createdAt,
  }
}

function logFailure(kind: TimerKind, err: unknown): void {
  console.error(JSON.stringify({ level: 'error', message: `monitor ${kind} failed; will retry`, error: (err as Error).message }))
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('')
}
