/**
 * One delivery attempt of a webhook event: the body in the subscription's format, signed, POSTed with a
 * timeout, and the event's row as it stands after the attempt: delivered (any 2xx), pending with the
 * next attempt scheduled by WEBHOOK_RETRY, or failed once the attempts are used up. Redirects are not
 * followed (a 3xx is a failed attempt), so a signed body never goes where the subscription did not say.
 */
import { retryDelay } from '../core/backoff.js'
import type { RetryPolicy } from '../protocol/queues.js'
import { renderWebhookBody } from '../core/monitoring/webhook-format.js'
import { signatureHeader } from '../core/monitoring/webhook-signature.js'
import { SIGNATURE_HEADER, type WebhookEvent } from '../protocol/monitoring.js'
import type { QueuedEvent, StoredWebhook } from '../storage/monitor-store.js'
import { VERSION } from '../version.js'

/** 2 s, 8 s, 32 s, ~2 min, ~8.5 min, ~34 min, then hourly: 12 attempts over about 6 hours. */
export const WEBHOOK_RETRY: RetryPolicy = { strategy: 'exponential', delayMs: 2_000, factor: 4, maxDelayMs: 3_600_000, maxAttempts: 12, jitter: 0.2 }
export const WEBHOOK_TIMEOUT_MS = 10_000
const ERROR_MAX = 500

/** `now` is the alarm's time (it may run ahead of the clock when a test drives the alarm early). */
export async function attemptDelivery(webhook: StoredWebhook, queued: QueuedEvent, now: number): Promise<QueuedEvent> {
  const event = JSON.parse(queued.event) as WebhookEvent
  const body = renderWebhookBody(event, webhook.format)
  const attempts = queued.attempts + 1
  let status: number | null = null
  let error: string | null = null
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': `kafdo-webhooks/${VERSION}`,
        [SIGNATURE_HEADER]: await signatureHeader(webhook.secret, body, Math.floor(Date.now() / 1000)),
        'kafdo-event-id': event.id,
        'kafdo-event-type': event.type,
        'kafdo-webhook-id': webhook.id,
        'kafdo-delivery-attempt': String(attempts),
      },
    })
    status = response.status
    if (!response.ok) error = `HTTP ${response.status}: ${(await response.text()).slice(0, ERROR_MAX)}`
    else await response.body?.cancel()
  } catch (err) {
    error = (err as Error).name === 'TimeoutError' ? `no answer within ${WEBHOOK_TIMEOUT_MS} ms` : (err as Error).message.slice(0, ERROR_MAX)
  }
  const base = { ...queued, attempts, lastStatus: status, lastAttemptAt: now }
  // A delivery that succeeded after failures keeps its last error, so the log shows why it took several attempts.
  if (error === null) return { ...base, status: 'delivered', nextAttemptAt: null, deliveredAt: now }
  if (attempts >= WEBHOOK_RETRY.maxAttempts) return { ...base, status: 'failed', lastError: error, nextAttemptAt: null }
  return { ...base, status: 'pending', lastError: error, nextAttemptAt: now + retryDelay(WEBHOOK_RETRY, attempts) }
}
