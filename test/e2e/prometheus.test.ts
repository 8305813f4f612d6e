/**
 * A real Prometheus (Debian's `prometheus` package; `.ci/run` installs it) scrapes a local Kafdo
 * (`wrangler dev`, authentication on) every second with a scrape-only API key. After produce, fetch,
 * commits, nacks and a dead-letter, PromQL through Prometheus's HTTP API answers the expected lag, depth
 * and counters; `promtool check metrics` finds nothing to say about the exposition.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from './support/project'
import { captureOutput, freePort, stopProcessGroup } from './support/server'
import { kafdoConfig, startWrangler, type WranglerServer } from './support/wrangler'

const BOOTSTRAP_API_KEY = `prometheus-test-bootstrap-${'0123456789abcdef'.repeat(2)}`

let work: string
let kafdo: WranglerServer
let prometheus: ChildProcess | undefined
let prometheusLog: () => string = () => ''
let prometheusUrl: string
let scrapeKey: string

async function api(method: string, path: string, body?: unknown, key = BOOTSTRAP_API_KEY): Promise<any> {
  const response = await fetch(`${kafdo.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return text && JSON.parse(text)
}

/** One instant PromQL query; the single result's value, or undefined when it has none. */
async function promql(query: string): Promise<number | undefined> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`)
  const body = (await response.json()) as { status: string; data: { result: Array<{ value: [number, string] }> } }
  if (body.status !== 'success') throw new Error(`${query}: ${JSON.stringify(body)}`)
  return body.data.result.length === 1 ? Number(body.data.result[0]!.value[1]) : undefined
}

/** Waits (a scrape a second) until every query answers its expected value; fails naming those that do not. */
async function expectEventually(expected: Record<string, number>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let answers: Record<string, number | undefined> = {}
  while (Date.now() < deadline) {
    answers = Object.fromEntries(await Promise.all(Object.keys(expected).map(async (q) => [q, await promql(q)] as const)))
    if (Object.entries(expected).every(([q, v]) => answers[q] === v)) return
    await new Promise((r) => setTimeout(r, 1_000))
  }
  expect(answers, `Prometheus log:\n${prometheusLog().slice(-2000)}`).toEqual(expected)
}

describe('Monitoring > a real Prometheus scrapes Kafdo', () => {
  beforeAll(async () => {
    const found = spawnSync('prometheus', ['--version'], { encoding: 'utf8' })
    if (found.status !== 0) throw new Error("Prometheus is not installed: apt-get install -y prometheus (Debian's package; .ci/run does it)")
    work = mkdtempSync(join(tmpdir(), 'kafdo-prometheus-'))
    kafdo = await startWrangler(kafdoConfig(join(work, 'config'), { AUTH_MODE: 'required', BOOTSTRAP_API_KEY }), join(work, 'state'))
    scrapeKey = (await api('POST', '/admin/api-keys', { name: 'prometheus', permissions: ['kafdo:metrics'] })).key
    const port = await freePort()
    prometheusUrl = `http://127.0.0.1:${port}`
    const config = join(work, 'prometheus.yml')
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: kafdo',
        '    metrics_path: /metrics',
        '    authorization:',
        '      type: Bearer',
        `      credentials: ${scrapeKey}`,
        '    static_configs:',
        `      - targets: ['127.0.0.1:${kafdo.port}']`,
        '',
      ].join('\n'),
    )
    const check = spawnSync('promtool', ['check', 'config', config], { encoding: 'utf8' })
    expect(check.status, check.stdout + check.stderr).toBe(0)
    prometheus = spawn(
      'prometheus',
      [`--config.file=${config}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    prometheusLog = captureOutput(prometheus)
  })

  afterAll(async () => {
    await stopProcessGroup(prometheus)
    await kafdo?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('answers PromQL with the lag, depth and counters after produce, fetch, commits, nacks and a dead-letter', async () => {
    // A log: 5 records on partition 0, 3 on partition 1; 2 read from partition 0; a group 3 behind on 0.
    await api('POST', '/admin/topics', { topic: 'orders', partitions: 2 })
    await api('POST', '/topics/orders/produce-batch', { records: [1, 2, 3, 4, 5].map((value) => ({ value, partition: 0 })) })
    await api('POST', '/topics/orders/produce-batch', { records: [6, 7, 8].map((value) => ({ value, partition: 1 })) })
    await api('GET', '/topics/orders/partitions/0/messages?offset=0&limit=2')
    await api('POST', '/consumer-groups/billing/commit', {
      offsets: [
        { topic: 'orders', partition: 0, offset: 2 },
        { topic: 'orders', partition: 1, offset: 3 },
      ],
    })
    // A queue: one record acked, one nacked for later, one nacked twice into the DLQ.
    await api('POST', '/queues', { name: 'jobs', retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 2 } })
    await api('POST', '/queues/jobs/messages', { messages: [{ value: 'ok' }, { value: 'later' }, { value: 'poison' }] })
    const { messages } = await api('POST', '/queues/jobs/receive', { consumerId: 'w', max: 3 })
    const lease = (value: string, list = messages) => list.find((m: { value: string }) => m.value === value).leaseId as string
    await api('POST', '/queues/jobs/ack', { consumerId: 'w', leaseIds: [lease('ok')] })
    await api('POST', '/queues/jobs/nack', { consumerId: 'w', leaseId: lease('later'), delayMs: 600_000 })
    await api('POST', '/queues/jobs/nack', { consumerId: 'w', leaseId: lease('poison'), delayMs: 0 })
    const again = (await api('POST', '/queues/jobs/receive', { consumerId: 'w', max: 1 })).messages
    expect((await api('POST', '/queues/jobs/nack', { consumerId: 'w', leaseId: lease('poison', again) })).state).toBe('dead')

    await expectEventually({
      'up{job="kafdo"}': 1,
      'sum(kafdo_records_produced_total{topic="orders"})': 8,
      'kafdo_partition_log_end_offset{topic="orders",partition="0"}': 5,
      'kafdo_records_fetched_total{topic="orders",partition="0"}': 2,
      'kafdo_group_committed_offset{group="billing",topic="orders",partition="0"}': 2,
      'kafdo_group_lag{group="billing",topic="orders",partition="0"}': 3,
      'kafdo_group_total_lag{group="billing"}': 3,
      'kafdo_queue_depth{queue="jobs",group="default"}': 1,
      'kafdo_queue_delayed{queue="jobs",group="default"}': 1,
      'sum(kafdo_redeliveries_total{topic="jobs"})': 2,
      'sum(kafdo_records_dead_lettered_total{topic="jobs"})': 1,
      'kafdo_queue_dlq_depth{queue="jobs"}': 1,
      'sum(kafdo_http_requests_total{route="/topics/:topic/produce-batch",result="success"})': 2,
      'sum(kafdo_http_requests_total{route="/queues/:name/nack",result="success"})': 3,
      'sum(kafdo_produce_batch_records_count)': 3,
    })
  })

  it('answers every query of the Grafana dashboard (dashboards/kafdo-grafana.json) as valid PromQL', async () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'dashboards/kafdo-grafana.json'), 'utf8')) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>
    }
    const queries = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => t.expr.replaceAll('$tenant', '.*').replaceAll('$__rate_interval', '1m')),
    )
    expect(queries.length).toBeGreaterThan(20)
    for (const query of queries) {
      const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`)
      expect([query, response.status]).toEqual([query, 200])
    }
  })

  it('passes promtool check metrics', async () => {
    const response = await fetch(`${kafdo.url}/metrics`, { headers: { authorization: `Bearer ${scrapeKey}` } })
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const exposition = await response.text()
    expect(exposition).toContain('kafdo_group_total_lag')
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' })
    expect(checked.stdout + checked.stderr).toBe('')
    expect(checked.status).toBe(0)
  })
})
