/**
 * Webhook signatures: HMAC-SHA256 with the subscription's secret over `<t>.<body>`, where `t` is the
 * sending time in Unix seconds, sent as `kafdo-signature: t=<t>,v1=<hex>`. A receiver recomputes it over
 * the raw body and refuses a time too far from its clock, so a captured request cannot be replayed later
 * (the same scheme as Stripe's). Runs wherever Web Crypto does (Workers, Node 18+, browsers).
 */

const encoder = new TextEncoder()

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)))
  return Array.from(signature, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** The `kafdo-signature` header value for `body` sent at `unixSeconds`. */
export async function signatureHeader(secret: string, body: string, unixSeconds: number): Promise<string> {
  return `t=${unixSeconds},v1=${await hmacHex(secret, `${unixSeconds}.${body}`)}`
}

/** Whether `header` signs `body` with `secret`, at a time within `toleranceSeconds` of `nowSeconds`. */
export async function verifySignature(secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds: number): Promise<boolean> {
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]))
  const t = Number(parts.get('t'))
  const given = parts.get('v1')
  if (!Number.isInteger(t) || !given || Math.abs(nowSeconds - t) > toleranceSeconds) return false
  const expected = await hmacHex(secret, `${t}.${body}`)
  if (expected.length !== given.length) return false
  // Constant time over the hex text, so the comparison says nothing about how much matched.
  let difference = 0
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ given.charCodeAt(i)
  return difference === 0
}

/**
 * A secret's SHA-256, hex: what a declarative apply compares a declared secret with, so that neither the
 * held secret nor the declared one is ever shown or sent back.
 */
export async function secretDigest(secret: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(secret)))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
