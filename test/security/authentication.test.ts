import { env, runInDurableObject } from 'cloudflare:test'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import type { ClusterMetadataDO } from '../../src/durable-objects/cluster-metadata'
import { metadataStub } from '../../src/services/stubs'
import { authEnv, AUDIENCE, BOOTSTRAP_API_KEY, call, ISSUER, token, unique } from './support'

const bootstrap = { 'x-api-key': BOOTSTRAP_API_KEY }

async function failuresSince(appEnv: ReturnType<typeof authEnv>, since: number): Promise<string[]> {
  const audit = await call(appEnv, 'GET', `/admin/audit?tenant=_system&result=failure&since=${since}&limit=1000`, { headers: bootstrap })
  return audit.body.entries.map((entry: { details: { reason: string } }) => entry.details.reason)
}

async function rsaKeys(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
  return { publicKey, privateKey, jwk }
}

describe('Security > token attacks are refused and audited', () => {
  it('refuses alg none, HMAC confusion, disallowed algorithms, bad times, issuers, audiences and kids', async () => {
    const current = await rsaKeys('key-1')
    const appEnv = authEnv({ JWKS: JSON.stringify({ keys: [current.jwk] }), JWT_ALGORITHMS: 'HS256,RS256' })
    const since = Date.now() - 1
    const claims = { tenant: 'tenant-t', roles: ['admin'] }
    const now = Math.floor(Date.now() / 1000)
    const unsigned = `${btoa(JSON.stringify({ alg: 'none', typ: 'JWT' })).replace(/=+$/, '')}.${btoa(JSON.stringify({ ...claims, sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: now + 300 })).replace(/=+$/, '')}.`
    // An HS256 token whose "secret" is the RSA public key, as in the classic key-confusion attack.
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(current.jwk)))
    const attacks: Record<string, string> = {
      'alg none': unsigned,
      'HS256 signed with the RS256 public key': confused,
      'algorithm outside the allow-list': await token({ ...claims, alg: 'HS512' }),
      expired: await token({ ...claims, expiresIn: now - 120 }),
      'not yet valid': await token({ ...claims, notBefore: now + 3600 }),
      'wrong issuer': await token({ ...claims, issuer: 'https://evil.example' }),
      'wrong audience': await token({ ...claims, audience: 'someone-else' }),
      'unknown kid': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'key-404' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(current.privateKey),
      'forged signature': `${(await token(claims)).slice(0, -4)}AAAA`,
      garbage: 'not-a-token',
    }
    for (const [attack, credential] of Object.entries(attacks)) {
      const reply = await call(appEnv, 'GET', '/admin/topics', { token: credential })
      expect(reply.status, attack).toBe(401)
      expect(reply.body.error.code).toBe('UNAUTHENTICATED')
    }
    // Sanity: a correct RS256 token from the current key, and a correct HS256 token, are accepted.
    const good = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setSubject('svc')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(current.privateKey)
    expect((await call(appEnv, 'GET', '/admin/topics', { token: good })).status).toBe(200)
    expect((await call(appEnv, 'GET', '/admin/topics', { token: await token(claims) })).status).toBe(200)

    const reasons = await failuresSince(appEnv, since)
    expect(reasons.length).toBeGreaterThanOrEqual(Object.keys(attacks).length)
    expect(reasons).toEqual(
      expect.arrayContaining([
        'token expired',
        'algorithm none is not allowed',
        'algorithm HS512 is not allowed',
        'no key matches the token (unknown kid)',
      ]),
    )
    expect(reasons.some((reason) => reason.includes("'iss'"))).toBe(true)
    expect(reasons.some((reason) => reason.includes("'aud'"))).toBe(true)
    expect(reasons.some((reason) => reason.includes("'nbf'"))).toBe(true)
  })

  it('follows a key rotation: tokens of a retired key are refused, the new key works', async () => {
    const [oldKey, newKey] = [await rsaKeys('2025'), await rsaKeys('2026')]
    const sign = (key: CryptoKey, kid: string) =>
      new SignJWT({ tenant: 'tenant-r', roles: ['topic:read'] })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(key)
    const during = authEnv({ JWKS: JSON.stringify({ keys: [oldKey.jwk, newKey.jwk] }), JWT_SECRET: undefined })
    expect((await call(during, 'GET', '/admin/topics', { token: await sign(oldKey.privateKey, '2025') })).status).toBe(200)
    expect((await call(during, 'GET', '/admin/topics', { token: await sign(newKey.privateKey, '2026') })).status).toBe(200)
    const after = authEnv({ JWKS: JSON.stringify({ keys: [newKey.jwk] }), JWT_SECRET: undefined })
    expect((await call(after, 'GET', '/admin/topics', { token: await sign(oldKey.privateKey, '2025') })).status).toBe(401)
    expect((await call(after, 'GET', '/admin/topics', { token: await sign(newKey.privateKey, '2026') })).status).toBe(200)
    // With only a JWKS configured, HMAC tokens are not accepted at all.
    expect((await call(after, 'GET', '/admin/topics', { token: await token({ tenant: 'tenant-r', roles: ['admin'] }) })).status).toBe(401)
  })

  it('maps the seed scopes kafka_producer:write and kafka_consumer:read from the scope claim', async () => {
    const appEnv = authEnv()
    const topic = unique('scoped')
    await call(appEnv, 'POST', `/admin/topics?tenant=tenant-s`, { headers: bootstrap, body: { topic } })
    const producer = await token({ tenant: 'tenant-s', claims: { scope: 'openid kafka_producer:write' } })
    const consumer = await token({ tenant: 'tenant-s', claims: { scope: 'kafka_consumer:read' } })
    expect((await call(appEnv, 'POST', `/topics/${topic}/produce`, { token: producer, body: { value: 1 } })).status).toBe(200)
    expect((await call(appEnv, 'GET', `/topics/${topic}/partitions/0/messages`, { token: producer })).status).toBe(403)
    expect((await call(appEnv, 'GET', `/topics/${topic}/partitions/0/messages`, { token: consumer })).body.messages).toHaveLength(1)
    expect((await call(appEnv, 'POST', `/topics/${topic}/produce`, { token: consumer, body: { value: 2 } })).body.error.details.missing).toBe(
      `produce@${topic}`,
    )
  })

  it('refuses credentials in the URL, and a malformed Authorization header', async () => {
    const appEnv = authEnv()
    const credential = await token({ tenant: 'tenant-u', roles: ['admin'] })
    const inUrl = await call(appEnv, 'GET', `/admin/topics?access_token=${credential}`)
    expect(inUrl.status).toBe(400)
    expect(inUrl.body.error.message).toContain('never in the URL')
    expect((await call(appEnv, 'GET', '/admin/topics', { headers: { authorization: `Basic ${btoa('a:b')}` } })).status).toBe(401)
  })
})

describe('Security > API keys', () => {
  it('creates a key shown once and stored hashed, which authenticates until revoked', async () => {
    const appEnv = authEnv()
    const admin = await token({ tenant: 'tenant-k', roles: ['apikey:admin', 'produce@orders-*', 'topic:read'] })
    const created = await call(appEnv, 'POST', '/admin/api-keys', { token: admin, body: { name: 'ci', permissions: ['produce@orders-*'] } })
    expect(created.status).toBe(201)
    const { key, keyId } = created.body
    expect(key).toMatch(/^kfd_[0-9a-f]{16}_/)
    const stored = await runInDurableObject(metadataStub(env, 'tenant-k'), (_i: ClusterMetadataDO, state) =>
      state.storage.sql.exec<{ hash: string }>('SELECT hash FROM api_keys WHERE key_id = ?', keyId).one(),
    )
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(stored)).not.toContain(key.slice('kfd_'.length + 17))
    const listed = await call(appEnv, 'GET', '/admin/api-keys', { token: admin })
    expect(JSON.stringify(listed.body)).not.toContain(key)

    await call(appEnv, 'POST', `/admin/topics?tenant=tenant-k`, { headers: bootstrap, body: { topic: 'orders-eu' } })
    expect((await call(appEnv, 'POST', '/topics/orders-eu/produce', { headers: { 'x-api-key': key }, body: { value: 1 } })).status).toBe(200)
    expect((await call(appEnv, 'POST', '/topics/orders-eu/produce', { token: key, body: { value: 2 } })).status).toBe(200)
    expect((await call(appEnv, 'GET', '/admin/topics/orders-eu', { headers: { 'x-api-key': key } })).status).toBe(403)

    expect((await call(appEnv, 'DELETE', `/admin/api-keys/${keyId}`, { token: admin })).status).toBe(200)
    const revoked = await call(appEnv, 'POST', '/topics/orders-eu/produce', { headers: { 'x-api-key': key }, body: { value: 3 } })
    expect(revoked.status).toBe(401)
    expect(revoked.body.error.details.reason).toBe('revoked API key')
  })

  it('never gives a key more than its creator holds', async () => {
    const appEnv = authEnv()
    const limited = await token({ tenant: 'tenant-k2', roles: ['apikey:admin', 'produce@orders-*'] })
    const escalation = await call(appEnv, 'POST', '/admin/api-keys', { token: limited, body: { name: 'x', permissions: ['admin'] } })
    expect(escalation.status).toBe(403)
    expect(escalation.body.error.details.missing).toEqual(['admin'])
    const wider = await call(appEnv, 'POST', '/admin/api-keys', { token: limited, body: { name: 'x', permissions: ['produce'] } })
    expect(wider.status).toBe(403)
    expect((await call(appEnv, 'POST', '/admin/api-keys', { token: limited, body: { name: 'x', permissions: ['fly@moon'] } })).status).toBe(400)
  })

  it('refuses an expired key and an unknown or malformed one, and audits each', async () => {
    const appEnv = authEnv()
    const since = Date.now() - 1
    const created = await call(appEnv, 'POST', '/admin/api-keys?tenant=tenant-k3', {
      headers: bootstrap,
      body: { name: 'short', permissions: ['topic:read'], expiresInSeconds: 60 },
    })
    await runInDurableObject(metadataStub(env, 'tenant-k3'), (_i: ClusterMetadataDO, state) => {
      state.storage.sql.exec('UPDATE api_keys SET expires_at = ? WHERE key_id = ?', Date.now() - 1000, created.body.keyId)
    })
    const expired = await call(appEnv, 'GET', '/admin/topics', { headers: { 'x-api-key': created.body.key } })
    expect(expired.body.error.details.reason).toBe('expired API key')
    const unknown = await call(appEnv, 'GET', '/admin/topics', { headers: { 'x-api-key': `kfd_0123456789abcdef_${'A'.repeat(43)}` } })
    expect(unknown.body.error.details.reason).toBe('unknown API key')
    expect((await call(appEnv, 'GET', '/admin/topics', { headers: { 'x-api-key': 'kfd_short' } })).body.error.details.reason).toBe(
      'malformed API key',
    )
    expect(await failuresSince(appEnv, since)).toEqual(expect.arrayContaining(['expired API key', 'unknown API key', 'malformed API key']))
  })
})

describe('Security > schema registry', () => {
  it('lets only a caller who may read every topic read schemas by id', async () => {
    const appEnv = authEnv()
    const tenant = 'tenant-schemas'
    const admin = await token({ tenant, roles: ['admin'] })
    const registered = await call(appEnv, 'POST', '/subjects/payroll-value/versions', { token: admin, body: { schema: '"string"' } })
    expect(registered.status).toBe(200)
    const narrow = await token({ tenant, roles: ['topic:read@billing.*'] })
    expect((await call(appEnv, 'GET', `/schemas/ids/${registered.body.id}`, { token: narrow })).status).toBe(403)
    expect((await call(appEnv, 'GET', '/subjects/payroll-value/versions', { token: narrow })).status).toBe(403)
    const wide = await token({ tenant, roles: ['topic:read'] })
    expect((await call(appEnv, 'GET', `/schemas/ids/${registered.body.id}`, { token: wide })).body).toEqual({
      schema: '"string"',
      schemaType: 'AVRO',
    })
  })
})

describe('Security > secure by default', () => {
  it('refuses every request but /health with 503 when auth is required but nothing can verify a credential', async () => {
    const misconfigured = { ...env, AUTH_MODE: undefined }
    const reply = await call(misconfigured, 'GET', '/admin/topics', { headers: { authorization: 'Bearer anything' } })
    expect(reply.status).toBe(503)
    expect(reply.body.error.message).toContain('misconfigured')
    expect((await call(misconfigured, 'GET', '/health')).status).toBe(200)
    expect((await call({ ...env, AUTH_MODE: 'off' }, 'GET', '/')).status).toBe(503)
    expect((await call(authEnv({ JWT_SECRET: 'short' }), 'GET', '/')).status).toBe(503)
  })

  it('records denials and changes in the tenant audit trail, without secrets', async () => {
    const appEnv = authEnv()
    const tenant = 'tenant-audit'
    const viewer = await token({ tenant, sub: 'alice', roles: ['topic:read'] })
    const operator = await token({ tenant, sub: 'bob', roles: ['topic:create', 'apikey:admin', 'topic:read'] })
    expect((await call(appEnv, 'POST', '/admin/topics', { token: viewer, body: { topic: 'audited' } })).status).toBe(403)
    expect((await call(appEnv, 'POST', '/admin/topics', { token: operator, body: { topic: 'audited' } })).status).toBe(201)
    const key = await call(appEnv, 'POST', '/admin/api-keys', { token: operator, body: { name: 'k', permissions: ['topic:read'] } })
    const trail = await call(appEnv, 'GET', `/admin/audit?tenant=${tenant}`, { headers: bootstrap })
    const entries = trail.body.entries as Array<{
      action: string
      result: string
      actor: { subject: string }
      target: string
      requestId: string
      time: string
    }>
    expect(entries.map((e) => [e.action, e.result, e.actor.subject, e.target])).toEqual([
      ['topic:create', 'denied', 'alice', 'audited'],
      ['topic:create', 'success', 'bob', 'audited'],
      ['apikey:create', 'success', 'bob', key.body.keyId],
    ])
    expect(entries.every((e) => e.requestId && e.time)).toBe(true)
    expect(JSON.stringify(trail.body)).not.toContain(key.body.key)
    const denied = await call(appEnv, 'GET', `/admin/audit?tenant=${tenant}&result=denied`, { headers: bootstrap })
    expect(denied.body.entries).toHaveLength(1)
    // The trail is a topic: readable (by an admin) like any other.
    const asTopic = await call(appEnv, 'GET', `/topics/__audit/partitions/0/messages?tenant=${tenant}`, { headers: bootstrap })
    expect(asTopic.body.messages).toHaveLength(3)
    expect((await call(appEnv, 'GET', '/topics/__audit/partitions/0/messages', { token: operator })).status).toBe(403)
  })
})
