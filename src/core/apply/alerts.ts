/**
 * Planning the declared alert webhooks and consumer groups' health thresholds.
 *
 * A webhook is matched to the subscription of the same `name` (its id is the server's, so the document
 * cannot name it). The document holds its whole definition: a format or description left out goes back
 * to its default. Its secret is managed only when declared, and then compared by SHA-256 digest; neither
 * secret is ever put in the plan. URLs are shown without their path and query, which may carry a
 * receiver's token (Slack's do), as the audit trail keeps only their origin.
 */
import type { ApplyChange, ApplyItem, CheckedApplyDocument, WebhookSpec } from '../../protocol/apply.js'
import { MAX_WEBHOOKS_PER_TENANT, type WebhookDescription, type WebhookUpdate } from '../../protocol/monitoring.js'
import { sameJson } from './topics.js'
import type { CurrentState, PlannedItem, PlanOptions } from './types.js'

/** What the plan shows of a secret: never the secret. */
export const HIDDEN = '(hidden)'

/** A URL as the plan shows it: its origin, and `/…` for a path or query left out. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return parsed.pathname === '/' && parsed.search === '' ? parsed.origin : `${parsed.origin}/…`
  } catch {
    return '(invalid URL)'
  }
}

/** Subscriptions the document does not list (`--prune`): unnamed ones too, which no document can declare. */
export function pruneWebhooks(document: CheckedApplyDocument, current: CurrentState, options: PlanOptions): PlannedItem[] {
  if (document.webhooks === undefined) return []
  const mayPrune = options.mayPrune ?? (() => true)
  return current.webhooks
    .filter((webhook) => webhook.name === null || !Object.hasOwn(document.webhooks!, webhook.name))
    .filter((webhook) => mayPrune('webhook', webhook.name ?? webhook.id))
    .map((webhook) => ({
      item: {
        kind: 'webhook',
        name: webhook.name ?? webhook.id,
        action: 'delete',
        changes: [
          { field: 'id', from: webhook.id },
          { field: 'url', from: redactUrl(webhook.url) },
        ],
      },
      step: { op: 'deleteWebhook', id: webhook.id },
    }))
}

/** Groups whose thresholds the document does not list: pruning clears them (the group itself is not the document's). */
export function pruneGroups(document: CheckedApplyDocument, current: CurrentState, options: PlanOptions): PlannedItem[] {
  if (document.groups === undefined) return []
  const mayPrune = options.mayPrune ?? (() => true)
  return Object.entries(current.groupThresholds)
    .filter(([groupId, thresholds]) => thresholds.length > 0 && !Object.hasOwn(document.groups!, groupId) && mayPrune('group', groupId))
    .map(([groupId, thresholds]) => ({
      item: { kind: 'group', name: groupId, action: 'delete', changes: [{ field: 'health', from: thresholds }] },
      step: { op: 'setGroupHealth', groupId, thresholds: [] },
    }))
}

/** `pruned`: how many subscriptions the plan's deletions remove, so new ones may take their places. */
export function planWebhooks(document: CheckedApplyDocument, current: CurrentState, pruned: number): PlannedItem[] {
  let count = current.webhooks.length - pruned
  return Object.entries(document.webhooks ?? {}).map(([name, spec]) => {
    const existing = current.webhooks.find((webhook) => webhook.name === name)
    if (existing) return planWebhookChange(name, spec, existing, current)
    const changes: ApplyChange[] = [
      { field: 'url', to: redactUrl(spec.url) },
      { field: 'events', to: [...new Set(spec.events)] },
      { field: 'format', to: spec.format ?? 'json' },
      ...(spec.description !== undefined ? [{ field: 'description', to: spec.description }] : []),
      { field: 'secret', to: spec.secret !== undefined ? HIDDEN : '(generated, answered once)' },
    ]
    const item: ApplyItem = { kind: 'webhook', name, action: 'create', changes }
    if (++count > MAX_WEBHOOKS_PER_TENANT) {
      const refusal = {
        code: 'POLICY_VIOLATION' as const,
        message: `a tenant may have at most ${MAX_WEBHOOKS_PER_TENANT} webhooks; this needs ${count}`,
        details: { limit: MAX_WEBHOOKS_PER_TENANT, requested: count },
      }
      return { item: { ...item, refusal } }
    }
    return { item, step: { op: 'createWebhook', request: { ...spec, name } } }
  })
}

function planWebhookChange(name: string, spec: WebhookSpec, existing: WebhookDescription, current: CurrentState): PlannedItem {
  const changes: ApplyChange[] = []
  const update: WebhookUpdate = {}
  if (spec.url !== existing.url) {
    const [from, to] = [redactUrl(existing.url), redactUrl(spec.url)]
    changes.push({ field: 'url', from, to: from === to ? `${to} (another path)` : to })
    update.url = spec.url
  }
  const events = [...new Set(spec.events)]
  if (!sameJson([...existing.events].sort(), [...events].sort())) {
    changes.push({ field: 'events', from: existing.events, to: events })
    update.events = events
  }
  const format = spec.format ?? 'json'
  if (format !== existing.format) {
    changes.push({ field: 'format', from: existing.format, to: format })
    update.format = format
  }
  const description = spec.description ?? null
  if (description !== existing.description) {
    changes.push({ field: 'description', from: existing.description, to: description })
    update.description = description
  }
  if (spec.secret !== undefined && current.declaredSecretDigests[name] !== current.webhookSecretDigests[existing.id]) {
    changes.push({ field: 'secret', from: HIDDEN, to: `${HIDDEN}, another` })
    update.secret = spec.secret
  }
  const item: ApplyItem = { kind: 'webhook', name, action: changes.length > 0 ? 'update' : 'unchanged', changes }
  return changes.length > 0 ? { item, step: { op: 'updateWebhook', id: existing.id, update } } : { item }
}

/** A declared group's thresholds replace its own; a group declared without `health` keeps them. */
export function planGroups(document: CheckedApplyDocument, current: CurrentState): PlannedItem[] {
  return Object.entries(document.groups ?? {}).map(([groupId, spec]) => {
    const before = current.groupThresholds[groupId] ?? []
    const after = spec.health?.thresholds
    if (after === undefined || sameJson(before, after)) return { item: { kind: 'group', name: groupId, action: 'unchanged', changes: [] } }
    const change: ApplyChange = before.length > 0 ? { field: 'health', from: before, to: after } : { field: 'health', to: after }
    const item: ApplyItem = { kind: 'group', name: groupId, action: 'update', changes: [change] }
    return { item, step: { op: 'setGroupHealth', groupId, thresholds: after } }
  })
}
