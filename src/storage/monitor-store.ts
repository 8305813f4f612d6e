/**
 * Typed SQL for TenantMonitorDO: the tenant's merged per-request metrics (one row, written once per
 * flush), its webhook subscriptions, each subscription's events (the delivery queue and, once finished,
 * the delivery log, kept to the last LOG_KEEP), the periodic health evaluation's memory per resource, and
 * consumer group health thresholds.
 */
import type { GroupHealthThreshold, WebhookDelivery, WebhookEventType } from '../protocol/monitoring.js'
import type { MetricState, ResourceHealthState } from '../protocol/tenant-rpc.js'
import type { Migration } from './migrations.js'
import { TIMERS_TABLE } from './timers.js'

export const MONITOR_MIGRATIONS: readonly Migration[] = [
  [
    'CREATE TABLE monitor_meta (id INTEGER PRIMARY KEY CHECK (id = 1), tenant TEXT NOT NULL)',
    'CREATE TABLE metric_state (name TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL)',
    `CREATE TABLE webhooks (
      id TEXT PRIMARY KEY,
      url TEXT NOT NULL,
      events TEXT NOT NULL,
      format TEXT NOT NULL,
      secret TEXT NOT NULL,
      description TEXT,
      created_at INTEGER NOT NULL
    )`,
    `CREATE TABLE webhook_events (
      webhook_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      event_id TEXT NOT NULL,
      type TEXT NOT NULL,
      event TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_status INTEGER,
      last_error TEXT,
      created_at INTEGER NOT NULL,
      last_attempt_at INTEGER,
      next_attempt_at INTEGER,
      delivered_at INTEGER,
      PRIMARY KEY (webhook_id, seq)
    )`,
    `CREATE TABLE health_state (resource TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
    `CREATE TABLE group_health (group_id TEXT PRIMARY KEY, thresholds TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
    TIMERS_TABLE,
  ],
  // Names let a declarative apply find the subscription it declares; unique when set (NULLs never collide).
  ['ALTER TABLE webhooks ADD COLUMN name TEXT', 'CREATE UNIQUE INDEX webhooks_name ON webhooks (name)'],
]

/** Finished deliveries kept per subscription, newest first, for the delivery log. */
export const LOG_KEEP = 100

export interface StoredWebhook {
  id: string
  name: string | null
  url: string
  events: WebhookEventType[]
  format: 'json' | 'slack'
  secret: string
  description: string | null
  createdAt: number
}

/** A queued or finished event of one subscription. */
export interface QueuedEvent extends WebhookDelivery {
  webhookId: string
  seq: number
  /** The event as JSON. */
  event: string
}

type WebhookRow = {
  id: string
  name: string | null
  url: string
  events: string
  format: string
  secret: string
  description: string | null
  created_at: number
}
type EventRow = {
  webhook_id: string
  seq: number
  event_id: string
  type: string
  event: string
  status: string
  attempts: number
  last_status: number | null
  last_error: string | null
  created_at: number
  last_attempt_at: number | null
  next_attempt_at: number | null
  delivered_at: number | null
}

const toWebhook = (row: WebhookRow): StoredWebhook => ({
  id: row.id,
  name: row.name,
  url: row.url,
  events: JSON.parse(row.events) as WebhookEventType[],
  format: row.format as StoredWebhook['format'],
  secret: row.secret,
  description: row.description,
  createdAt: row.created_at,
})

const toEvent = (row: EventRow): QueuedEvent => ({
  webhookId: row.webhook_id,
  seq: row.seq,
  event: row.event,
  eventId: row.event_id,
  type: row.type as WebhookEventType,
  status: row.status as QueuedEvent['status'],
  attempts: row.attempts,
  lastStatus: row.last_status,
  lastError: row.last_error,
  createdAt: row.created_at,
  lastAttemptAt: row.last_attempt_at,
  nextAttemptAt: row.next_attempt_at,
  deliveredAt: row.delivered_at,
})

export class MonitorStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  tenant(): string | undefined {
    return this.#sql.exec<{ tenant: string }>('SELECT tenant FROM monitor_meta').toArray()[0]?.tenant
  }

  writeTenant(tenant: string): void {
    this.#sql.exec('INSERT INTO monitor_meta (id, tenant) VALUES (1, ?) ON CONFLICT(id) DO NOTHING', tenant)
  }

  metricState(name: string): MetricState | undefined {
    const row = this.#sql.exec<{ state: string }>('SELECT state FROM metric_state WHERE name = ?', name).toArray()[0]
    return row && (JSON.parse(row.state) as MetricState)
  }

  writeMetricState(name: string, state: MetricState, now: number): void {
    this.#sql.exec(
      'INSERT INTO metric_state (name, state, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
      name,
      JSON.stringify(state),
      now,
    )
  }

  webhooks(): StoredWebhook[] {
    return this.#sql.exec<WebhookRow>('SELECT * FROM webhooks ORDER BY created_at, id').toArray().map(toWebhook)
  }

  insertWebhook(webhook: StoredWebhook): void {
    this.#sql.exec(
      'INSERT INTO webhooks (id, name, url, events, format, secret, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      webhook.id,
      webhook.name,
      webhook.url,
      JSON.stringify(webhook.events),
      webhook.format,
      webhook.secret,
      webhook.description,
      webhook.createdAt,
    )
  }

  updateWebhook(webhook: StoredWebhook): void {
    this.#sql.exec(
      'UPDATE webhooks SET url = ?, events = ?, format = ?, secret = ?, description = ? WHERE id = ?',
      webhook.url,
      JSON.stringify(webhook.events),
      webhook.format,
      webhook.secret,
      webhook.description,
      webhook.id,
    )
  }

  deleteWebhook(id: string): boolean {
    this.#sql.exec('DELETE FROM webhook_events WHERE webhook_id = ?', id)
    return this.#sql.exec('DELETE FROM webhooks WHERE id = ?', id).rowsWritten > 0
  }

  enqueue(webhookId: string, eventId: string, type: string, event: string, now: number): void {
    this.#sql.exec(
      `INSERT INTO webhook_events (webhook_id, seq, event_id, type, event, status, created_at, next_attempt_at)
       VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_events WHERE webhook_id = ?1), ?2, ?3, ?4, 'pending', ?5, ?5)`,
      webhookId,
      eventId,
      type,
      event,
      now,
    )
  }

  /** Each subscription's oldest pending event: only it may be sent, so a subscription's events arrive in order. */
  heads(): QueuedEvent[] {
    return this.#sql
      .exec<EventRow>(
        `SELECT e.* FROM webhook_events e
         JOIN (SELECT webhook_id, MIN(seq) AS seq FROM webhook_events WHERE status = 'pending' GROUP BY webhook_id) h
           ON e.webhook_id = h.webhook_id AND e.seq = h.seq`,
      )
      .toArray()
      .map(toEvent)
  }

  /** When the next pending head is due, if any is pending. */
  nextAttemptAt(): number | undefined {
    return this.heads().reduce<number | undefined>((min, e) => (min === undefined || e.nextAttemptAt! < min ? e.nextAttemptAt! : min), undefined)
  }

  recordAttempt(event: QueuedEvent): void {
    this.#sql.exec(
      `UPDATE webhook_events SET status = ?, attempts = ?, last_status = ?, last_error = ?, last_attempt_at = ?, next_attempt_at = ?, delivered_at = ?
       WHERE webhook_id = ? AND seq = ?`,
      event.status,
      event.attempts,
      event.lastStatus,
      event.lastError,
      event.lastAttemptAt,
      event.nextAttemptAt,
      event.deliveredAt,
      event.webhookId,
      event.seq,
    )
  }

  /** Forgets finished events beyond the newest LOG_KEEP of a subscription. */
  pruneLog(webhookId: string): void {
    this.#sql.exec(
      `DELETE FROM webhook_events WHERE webhook_id = ?1 AND status != 'pending' AND seq < (
         SELECT MIN(seq) FROM (SELECT seq FROM webhook_events WHERE webhook_id = ?1 AND status != 'pending' ORDER BY seq DESC LIMIT ?2))`,
      webhookId,
      LOG_KEEP,
    )
  }

  /** A subscription's events, newest first. */
  events(webhookId: string, limit: number): QueuedEvent[] {
    return this.#sql
      .exec<EventRow>('SELECT * FROM webhook_events WHERE webhook_id = ? ORDER BY seq DESC LIMIT ?', webhookId, limit)
      .toArray()
      .map(toEvent)
  }

  pendingCounts(): Record<string, number> {
    const rows = this.#sql.exec<{ webhook_id: string; n: number }>(
      "SELECT webhook_id, COUNT(*) AS n FROM webhook_events WHERE status = 'pending' GROUP BY webhook_id",
    )
    return Object.fromEntries(rows.toArray().map((row) => [row.webhook_id, row.n]))
  }

  healthState(resource: string): ResourceHealthState | undefined {
    const row = this.#sql.exec<{ state: string }>('SELECT state FROM health_state WHERE resource = ?', resource).toArray()[0]
    return row && (JSON.parse(row.state) as ResourceHealthState)
  }

  writeHealthState(resource: string, state: ResourceHealthState, now: number): void {
    this.#sql.exec(
      'INSERT INTO health_state (resource, state, updated_at) VALUES (?, ?, ?) ON CONFLICT(resource) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
      resource,
      JSON.stringify(state),
      now,
    )
  }

  /** Forgets the memory of resources not evaluated since `before` (deleted, or their thresholds removed). */
  forgetHealthStatesBefore(before: number): void {
    this.#sql.exec('DELETE FROM health_state WHERE updated_at < ?', before)
  }

  groupThresholds(groupId: string): GroupHealthThreshold[] {
    const row = this.#sql.exec<{ thresholds: string }>('SELECT thresholds FROM group_health WHERE group_id = ?', groupId).toArray()[0]
    return row ? (JSON.parse(row.thresholds) as GroupHealthThreshold[]) : []
  }

  allGroupThresholds(): Map<string, GroupHealthThreshold[]> {
    const rows = this.#sql.exec<{ group_id: string; thresholds: string }>('SELECT group_id, thresholds FROM group_health ORDER BY group_id')
    return new Map(rows.toArray().map((row) => [row.group_id, JSON.parse(row.thresholds) as GroupHealthThreshold[]]))
  }

  writeGroupThresholds(groupId: string, thresholds: GroupHealthThreshold[], now: number): void {
    if (thresholds.length === 0) {
      this.#sql.exec('DELETE FROM group_health WHERE group_id = ?', groupId)
      return
    }
    this.#sql.exec(
      'INSERT INTO group_health (group_id, thresholds, updated_at) VALUES (?, ?, ?) ON CONFLICT(group_id) DO UPDATE SET thresholds = excluded.thresholds, updated_at = excluded.updated_at',
      groupId,
      JSON.stringify(thresholds),
      now,
    )
  }
}
