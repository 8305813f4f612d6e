/**
 * The dashboard at /ui in a real headless Chromium against `wrangler dev` with authentication on: log
 * in with a key; a topic created through the API shows up; a message produced from the form shows up in
 * the message browser and in the live tail (SSE opened with a stream ticket); a group's lag falls after
 * its consumer commits; a dead letter re-driven leaves the dead-letter queue empty. Every page is
 * photographed into test-results/dashboard/, on a laptop and on a phone.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, SCREENSHOTS } from './support/browser'
import { fetchAgainIfClosed } from './support/server'
import { kafdoConfig, startWrangler, type WranglerServer } from './support/wrangler'

const BOOTSTRAP_API_KEY = `dashboard-test-bootstrap-${'0123456789abcdef'.repeat(3)}`
const WAIT = { timeout: 20_000 }
let work: string
let server: WranglerServer
let browser: Awaited<ReturnType<typeof launchChromium>>
let context: BrowserContext
let page: Page

let counter = 0
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetchAgainIfClosed(`${server.url}${path}`, {
    method,
    headers: { 'x-api-key': BOOTSTRAP_API_KEY, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

const shot = (name: string, target: Page = page) => target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

/** The key is kept per tab (session storage): a new tab logs in again. */
async function logIn(target: Page): Promise<void> {
  await target.getByLabel('API key or token').fill(BOOTSTRAP_API_KEY)
  await target.getByRole('button', { name: 'Log in' }).click()
  await target.getByRole('button', { name: 'Log out' }).waitFor(WAIT)
}

async function open(hash: string): Promise<void> {
  await page.goto(`${server.url}/ui${hash}`)
  await page.locator('main h1').first().waitFor(WAIT)
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kafdo-dashboard-'))
  server = await startWrangler(kafdoConfig(join(work, 'server'), { AUTH_MODE: 'required', BOOTSTRAP_API_KEY }), join(work, 'state'))
  browser = await launchChromium()
  context = browser.context
  page = await context.newPage()
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('Dashboard in Chromium', () => {
  it('is served by the Worker with a strict content policy, and asks for a key first', async () => {
    const response = await page.goto(`${server.url}/ui`)
    expect(response?.status()).toBe(200)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")
    await page.getByRole('heading', { name: 'Kafdo' }).waitFor(WAIT)
    await shot('login')
    // A wrong key is refused, saying why.
    await page.getByLabel('API key or token').fill('not-a-key')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('alert').getByText('UNAUTHENTICATED').waitFor(WAIT)
  })

  it('logs in with an API key kept in session storage, and lists a topic created through the API', async () => {
    const topic = unique('orders')
    await api('POST', '/admin/topics', { topic, partitions: 3 })
    await logIn(page)
    await page.getByRole('heading', { name: 'Topics' }).waitFor(WAIT)
    expect(await page.evaluate(() => sessionStorage.getItem('kafdo.session'))).toContain(BOOTSTRAP_API_KEY)
    await page.getByRole('link', { name: topic, exact: true }).waitFor(WAIT)
    const row = page.getByRole('row', { name: new RegExp(topic) })
    await expect.poll(() => row.getByRole('cell').first().textContent(), WAIT).toBe('3')
    await shot('topics')
  })

  it('produces from the form, and shows the message in the browser and in the live tail', async () => {
    const topic = unique('events')
    await api('POST', '/admin/topics', { topic, partitions: 2 })
    // The live tail in a second tab, started before the message is written.
    const tail = await context.newPage()
    await tail.goto(`${server.url}/ui#/tail/${topic}`)
    await logIn(tail)
    await tail.getByRole('button', { name: 'Start' }).click()
    await tail.getByText('live', { exact: true }).waitFor(WAIT)

    await open(`#/produce/${topic}`)
    await page.getByLabel('Key (optional)').fill('user-42')
    await page.getByLabel('Value', { exact: true }).fill('{"page":"/pricing","ms":87}')
    await page.getByLabel('Headers (one "name: value" a line)').fill('source: dashboard-test')
    await page.getByRole('button', { name: 'Produce' }).click()
    const written = page.getByRole('status').filter({ hasText: 'Written to partition' })
    await written.waitFor(WAIT)
    await shot('produce')
    const [, partition] = /partition (\d+) at offset (\d+)/.exec((await written.textContent()) ?? '')!

    const tailed = tail.getByRole('list', { name: 'Records, newest first' }).getByRole('listitem').first()
    await tailed.getByText('"/pricing"').waitFor(WAIT)
    expect(await tailed.textContent()).toContain('source')
    expect(await tailed.textContent()).toContain('user-42')
    await shot('live-tail', tail)
    await tail.close()

    await page.getByRole('link', { name: `Browse ${topic}` }).click()
    await page.getByLabel('Partition', { exact: true }).selectOption(partition!)
    await page.getByRole('button', { name: 'Show messages' }).click()
    const message = page.getByRole('list', { name: 'Messages' }).getByRole('listitem').first()
    await message.getByText('"/pricing"').waitFor(WAIT)
    expect(await message.textContent()).toContain('dashboard-test')
    // Filtering by key keeps it; by another key, hides it.
    await page.getByLabel('Key contains').fill('user-4')
    await page.getByText('1 of 1 messages shown').waitFor(WAIT)
    await page.getByLabel('Key contains').fill('someone-else')
    await page.getByText('0 of 1 messages shown').waitFor(WAIT)
    await page.getByLabel('Key contains').fill('')
    await shot('topic')
  })

  it("shows a group's lag, and its fall once the consumer commits", async () => {
    const topic = unique('lagging')
    const group = unique('billing')
    await api('POST', '/admin/topics', { topic })
    await api('POST', `/topics/${topic}/produce-batch`, { records: Array.from({ length: 6 }, (_, n) => ({ value: n })) })
    await api('POST', `/consumer-groups/${group}/commit`, { offsets: [{ topic, partition: 0, offset: 1 }] })
    await open('#/groups')
    await page.getByRole('link', { name: group }).click()
    const lag = page.getByTestId('total-lag')
    await expect.poll(() => lag.textContent(), WAIT).toBe('5')
    await api('POST', `/consumer-groups/${group}/commit`, { offsets: [{ topic, partition: 0, offset: 6 }] })
    await expect.poll(() => lag.textContent(), WAIT).toBe('0')
    await page.getByText(/Total lag since this page opened: 5 at first, 0 now/).waitFor(WAIT)
    await shot('group')
    await open('#/groups')
    await shot('groups')
  })

  it('re-drives a dead letter after a confirmation, leaving the dead-letter queue empty', async () => {
    const queue = unique('payments')
    await api('POST', '/queues', { name: queue, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 1 } })
    await api('POST', `/queues/${queue}/messages`, { key: 'p-1', value: { amount: 12 } })
    // Before a first record dies there is no dead-letter topic yet: an empty DLQ, not an error.
    await open(`#/queues/${queue}`)
    await page.getByText('The dead-letter queue is empty.').waitFor(WAIT)
    expect(await page.getByRole('alert').count()).toBe(0)
    const received = await api('POST', `/queues/${queue}/receive`, { consumerId: 'worker' })
    await api('POST', `/queues/${queue}/nack`, { consumerId: 'worker', leaseId: received.messages[0].leaseId, error: 'card declined' })

    await open(`#/queues/${queue}`)
    await page.getByTestId('dlq-count').getByText('1 dead letters').waitFor(WAIT)
    await page.getByText('card declined').waitFor(WAIT)
    await shot('queue')
    await page.getByRole('button', { name: 'Redrive all' }).click()
    const dialog = page.getByRole('dialog', { name: 'Re-drive the dead letters?' })
    await dialog.waitFor(WAIT)
    await dialog.getByRole('button', { name: 'Redrive' }).click()
    await page.getByText('The dead-letter queue is empty.').waitFor(WAIT)
    await page.getByText(/Re-drove 1 dead letters/).waitFor(WAIT)
    // The record is back on the queue, ready to be received again.
    const again = await api('POST', `/queues/${queue}/receive`, { consumerId: 'worker' })
    expect(again.messages).toEqual([expect.objectContaining({ key: 'p-1', value: { amount: 12 } })])
    await open('#/queues')
    await shot('queues')
  })

  it('shows schemas, health, and a platform admin switching tenant', async () => {
    await api('POST', `/subjects/${unique('invoices')}-value/versions`, {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } }),
    })
    await open('#/schemas')
    await page.getByRole('button', { name: 'v1' }).first().click()
    await page.getByText('"properties"').waitFor(WAIT)
    await shot('schemas')
    await open('#/health')
    await page.getByRole('table').waitFor(WAIT)
    await shot('health')

    const other = unique('tenant')
    const topic = unique('elsewhere')
    await api('POST', `/admin/topics?tenant=${other}`, { topic })
    await open('#/topics')
    await page.getByLabel('Tenant').fill(other)
    await page.getByRole('button', { name: 'Switch' }).click()
    await page.getByRole('link', { name: topic, exact: true }).waitFor(WAIT)
    await shot('tenant-switch')
    await page.getByLabel('Tenant').fill('')
    await page.getByRole('button', { name: 'Switch' }).click()
    await page.getByRole('link', { name: topic, exact: true }).waitFor({ state: 'detached', ...WAIT })
  })

  it('reads on a phone: the pages fit the screen and keep working', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await open('#/topics')
    await page.getByRole('table').waitFor(WAIT)
    // Nothing but the tables' own scrolling regions is wider than the screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await shot('phone-topics')
    await open('#/produce')
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await shot('phone-produce')
    await page.setViewportSize({ width: 1280, height: 800 })
  })
})
