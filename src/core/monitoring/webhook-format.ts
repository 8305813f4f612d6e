/**
 * Webhook bodies: the event as JSON, or Slack's incoming-webhook shape, `{ text, blocks }`: `text` is
 * the notification's fallback line and `blocks` lay it out (a section with the summary, a context line
 * with tenant, event type and time), as https://api.slack.com/messaging/webhooks accepts it.
 */
import type { WebhookEvent } from '../../protocol/monitoring.js'

/** Slack caps a section's text at 3000 characters. */
const SLACK_SECTION_MAX = 3000

export function renderWebhookBody(event: WebhookEvent, format: 'json' | 'slack'): string {
  return JSON.stringify(format === 'slack' ? slackMessage(event) : event)
}

export interface SlackMessage {
  text: string
  blocks: Array<{ type: 'section'; text: { type: 'mrkdwn'; text: string } } | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> }>
}

export function slackMessage(event: WebhookEvent): SlackMessage {
  const summary = eventSummary(event)
  return {
    text: `[kafdo] ${summary}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(summary).slice(0, SLACK_SECTION_MAX) } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: slackEscape(`tenant ${event.tenant} · ${event.type} · ${event.occurredAt} · event ${event.id}`) }],
      },
    ],
  }
}

/** One line saying what happened. */
export function eventSummary(event: WebhookEvent): string {
  const d = event.data as Record<string, string | number | null | undefined>
  const record = `${d.topic}[${d.partition}] offset ${d.offset}`
  switch (event.type) {
    case 'record.dead_lettered':
      return `Record ${record} was dead-lettered to ${d.deadLetterTopic} after ${d.attempts} attempts (group ${d.group}): ${d.lastError ?? 'no error given'}`
    case 'record.retries_exhausted':
      return `Record ${record} used up its ${d.attempts} attempts in group ${d.group} and was ${d.outcome}: ${d.lastError ?? 'no error given'}`
    case 'health.threshold_crossed':
      return `${d.kind} ${d.name} is ${d.status}: ${d.reason}`
    case 'health.recovered':
      return `${d.kind} ${d.name} recovered: ${d.reason}`
    case 'group.rebalance_storm':
      return `Consumer group ${d.group} is in a rebalance storm: its epoch advanced ${d.rebalances} times since the last check (limit ${d.limit})`
    case 'webhook.test':
      return `Test event for webhook ${d.subscription}`
  }
}

/** Slack's mrkdwn treats &, < and > as markup. */
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
