import { describe, expect, it } from 'vitest'
import { KafdoClient, KafdoError, type FetchLike } from '../../client/index.js'
import { errorResponse, recordingFetch, testClient, uniqueTopic, workerFetch } from './support.js'

describe('KafdoClient > requests', () => {
  it('reports the service health', async () => {
    const health = await testClient().health()

    expect(health.status).toBe('ok')
    expect(typeof health.version).toBe('string')
    expect(Number.isNaN(Date.parse(health.timestamp))).toBe(false)
  })

  it('sends the default headers and the client id on every request', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch, clientId: 'my-app', headers: { Authorization: 'Bearer t0ken', 'x-team': 'data' } })
    const topic = uniqueTopic()

    await client.health()
    await client.admin().createTopic({ topic })
    await client.producer({ defaultTopic: topic }).send({ value: 1 })

    expect(requests).toHaveLength(3)
    for (const request of requests) {
      expect(request.headers).toMatchObject({ authorization: 'Bearer t0ken', 'x-team': 'data', 'x-client-id': 'my-app' })
    }
    expect(requests[1]?.headers['content-type']).toBe('application/json')
  })

  it('generates a client id when none is given', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch })

    await client.health()

    expect(client.clientId).toMatch(/^kafdo-client-/)
    expect(requests[0]?.headers['x-client-id']).toBe(client.clientId)
  })

  it('URL-encodes path segments', async () => {
    const { fetch, requests } = recordingFetch()

    await testClient({ fetch }).admin().describeGroup('a/b?c#d')

    expect(requests[0]?.url).toBe('http://kafdo.test/admin/groups/a%2Fb%3Fc%23d')
  })

  it('fails with REQUEST_TIMED_OUT when the server does not answer in time', async () => {
    const hang: FetchLike = (_input, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))
    const started = Date.now()

    const error = await testClient({ fetch: hang, timeout: 50 })
      .health()
      .catch((e: unknown) => e)

    expect(error).toBeInstanceOf(KafdoError)
    expect(error).toMatchObject({ code: 'REQUEST_TIMED_OUT', status: 504 })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('retries a 503 and writes the record once', async () => {
    const topic = uniqueTopic()
    await testClient().admin().createTopic({ topic })
    let calls = 0
    const flaky: FetchLike = async (input, init) => {
      calls += 1
      if (calls <= 2) return errorResponse(503, 'SERVICE_UNAVAILABLE', 'try again')
      return workerFetch(input, init)
    }

    const metadata = await testClient({ fetch: flaky }).producer({ defaultTopic: topic }).send({ key: 'k', value: 'once' })

    expect(calls).toBe(3)
    expect(metadata.offset).toBe(0)
    const { messages } = await testClient()
      .consumer({ groupId: 'g', topics: [topic] })
      .fetch(topic, 0, { offset: 0 })
    expect(messages.map((m) => m.value)).toEqual(['once'])
  })

  it('writes a record once when the answer to its first attempt is lost', async () => {
    const topic = uniqueTopic()
    await testClient().admin().createTopic({ topic })
    let calls = 0
    const lossy: FetchLike = async (input, init) => {
      calls += 1
      if (calls === 1) {
        await (await workerFetch(input, init)).text()
        throw new TypeError('fetch failed: connection reset')
      }
      return workerFetch(input, init)
    }

    const results = await testClient({ fetch: lossy })
      .producer({ defaultTopic: topic })
      .sendBatch([{ value: 'a' }, { value: 'b' }])

    expect(calls).toBe(2)
    expect(results.map((r) => r.offset)).toEqual([0, 1])
    const offsets = await testClient()
      .consumer({ groupId: 'g', topics: [topic] })
      .getOffsets(topic, 0)
    expect(offsets.latest).toBe(2)
  })

  it('never retries a 400', async () => {
    const { fetch, requests } = recordingFetch()
    const topic = uniqueTopic()
    await testClient().admin().createTopic({ topic })

    const error = await testClient({ fetch })
      .consumer({ groupId: 'g', topics: [topic] })
      .fetch(topic, 0, { limit: 0 })
      .catch((e: unknown) => e)

    expect(error).toMatchObject({ code: 'INVALID_REQUEST', status: 400 })
    expect(requests).toHaveLength(1)
  })

  it("retries by the error table's rule: a proxy's bare 502 (SERVICE_UNAVAILABLE) is retried, a 409 never", async () => {
    let calls = 0
    const gateway: FetchLike = async (input, init) => {
      calls += 1
      if (calls === 1) return new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' })
      return workerFetch(input, init)
    }
    expect(await testClient({ fetch: gateway }).health()).toMatchObject({ status: 'ok' })
    expect(calls).toBe(2)

    let conflicts = 0
    const conflicting: FetchLike = async () => {
      conflicts += 1
      return errorResponse(409, 'LEASE_EXPIRED', 'too late')
    }
    const error = await testClient({ fetch: conflicting })
      .health()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'LEASE_EXPIRED', retriable: false })
    expect(conflicts).toBe(1)
  })

  it('does not retry creating a topic', async () => {
    let calls = 0
    const unavailable: FetchLike = async () => {
      calls += 1
      return errorResponse(503, 'SERVICE_UNAVAILABLE', 'busy')
    }

    const error = await testClient({ fetch: unavailable })
      .admin()
      .createTopic({ topic: uniqueTopic() })
      .catch((e: unknown) => e)

    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retriable: true })
    expect(calls).toBe(1)
  })

  it('gives up after the configured number of retries', async () => {
    let calls = 0
    const down: FetchLike = async () => {
      calls += 1
      throw new TypeError('fetch failed')
    }

    const error = await testClient({ fetch: down, retries: 2 })
      .health()
      .catch((e: unknown) => e)

    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' })
    expect((error as KafdoError).message).toContain('fetch failed')
    expect(calls).toBe(3)
  })

  it('waits as long as Retry-After asks before retrying a 429', async () => {
    const attempts: number[] = []
    const throttled: FetchLike = async (input, init) => {
      attempts.push(Date.now())
      if (attempts.length === 1) return errorResponse(429, 'THROTTLING_QUOTA_EXCEEDED', 'slow down', { 'retry-after': '1' })
      return workerFetch(input, init)
    }

    await testClient({ fetch: throttled }).health()

    expect(attempts).toHaveLength(2)
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(950)
  })

  it('treats a retried delete that finds the topic gone as done', async () => {
    const topic = uniqueTopic()
    await testClient().admin().createTopic({ topic })
    let calls = 0
    const lossy: FetchLike = async (input, init) => {
      calls += 1
      if (calls === 1) {
        await (await workerFetch(input, init)).text()
        throw new TypeError('fetch failed')
      }
      return workerFetch(input, init)
    }

    await testClient({ fetch: lossy }).admin().deleteTopic(topic)

    expect(calls).toBe(2)
    expect(await testClient().admin().listTopics()).not.toContain(topic)
  })

  it('rebuilds an error without a known code from its HTTP status, keeping the message', async () => {
    const gateway: FetchLike = async () => new Response('<html>upstream exploded</html>', { status: 500 })
    const newer: FetchLike = async () =>
      new Response(JSON.stringify({ error: { code: 'SOMETHING_NEW', message: 'from the future' } }), { status: 409 })

    const html = await testClient({ fetch: gateway })
      .health()
      .catch((e: unknown) => e)
    const unknown = await testClient({ fetch: newer })
      .health()
      .catch((e: unknown) => e)

    expect(html).toMatchObject({ code: 'INTERNAL_ERROR', message: '<html>upstream exploded</html>', details: { httpStatus: 500 } })
    expect(unknown).toBeInstanceOf(KafdoError)
    expect(unknown).toMatchObject({
      code: 'TOPIC_ALREADY_EXISTS',
      message: 'from the future',
      details: { httpStatus: 409, serverCode: 'SOMETHING_NEW' },
    })
  })

  it('refuses a configuration without an absolute base URL', () => {
    expect(() => new KafdoClient({ baseUrl: 'kafdo.local' })).toThrow(TypeError)
  })
})
