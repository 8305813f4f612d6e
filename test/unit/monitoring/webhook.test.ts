import { describe, expect, it } from 'vitest'
import { renderWebhookBody, slackMessage } from '../../../src/core/monitoring/webhook-format'
import { signatureHeader, verifySignature } from '../../../src/core/monitoring/webhook-signature'
import type { WebhookEvent } from '../../../src/protocol/monitoring'

const secret = 'whsec_0123456789abcdef0123456789abcdef'
const event: WebhookEvent = {
  id: 'evt_1',
  type: 'record.dead_lettered',
  tenant: 'acme',
  occurredAt: '2026-01-01T00:00:00.000Z',
  data: { topic: 'orders', partition: 0, offset: 7, group: 'default', attempts: 3, lastError: 'a <b> & c', deadLetterTopic: 'orders-dlq' },
}

describe('Monitoring > webhook signatures', () => {
  it('verifies a body signed with the secret at a time within the tolerance', async () => {
    const body = renderWebhookBody(event, 'json')
    const header = await signatureHeader(secret, body, 1_000)
    expect(header).toMatch(/^t=1000,v1=[0-9a-f]{64}$/)
    expect(await verifySignature(secret, body, header, 1_100, 300)).toBe(true)
  })

  it('refuses another body, another secret, a replay outside the tolerance, and a malformed header', async () => {
    const body = renderWebhookBody(event, 'json')
    const header = await signatureHeader(secret, body, 1_000)
    expect(await verifySignature(secret, `${body} `, header, 1_000, 300)).toBe(false)
    expect(await verifySignature(`${secret}x`, body, header, 1_000, 300)).toBe(false)
    expect(await verifySignature(secret, body, header, 1_301, 300)).toBe(false)
    expect(await verifySignature(secret, body, header.replace('t=1000', 't=1001'), 1_000, 300)).toBe(false)
    expect(await verifySignature(secret, body, 'v1=abc', 1_000, 300)).toBe(false)
  })
})

describe('Monitoring > Slack format', () => {
  it("is Slack's incoming-webhook body: text plus a section and a context block, markup escaped", () => {
    const message = slackMessage(event)
    expect(Object.keys(message).sort()).toEqual(['blocks', 'text'])
    expect(message.text).toContain('orders[0] offset 7 was dead-lettered to orders-dlq after 3 attempts')
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'context'])
    expect(message.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining('a &lt;b&gt; &amp; c') } })
    expect(JSON.parse(renderWebhookBody(event, 'slack'))).toEqual(message)
  })
})
