/**
 * Stream tickets: what a browser puts in the URL of an `EventSource` or `WebSocket` (which cannot send an
 * Authorization header) instead of its credential. A ticket is the claims below, signed with HMAC-SHA256:
 * who asked (subject, home tenant), the tenant it acts in, the one permission the stream needs, the one
 * path it opens, and an expiry a few seconds away. It opens nothing else and nothing after it expires;
 * the long-lived credential never appears in a URL, a log or a browser history.
 */

export interface TicketClaims {
  /** The subject, as the credential named it (`user-1`, `apikey:<id>`, `bootstrap`, `anonymous`). */
  sub: string
  via: 'jwt' | 'apikey' | 'bootstrap' | 'none'
  keyId?: string
  /** The credential's own tenant. */
  home: string
  /** The tenant the stream acts in (another one only for a platform admin). */
  tenant: string
  /** Permissions, as strings (`consume@orders`): only what the stream needs. */
  grants: string[]
  /** The stream route's path, exactly. */
  path: string
  /** Expiry, epoch milliseconds. */
  exp: number
}

export type TicketCheck = { ok: true; claims: TicketClaims } | { ok: false; reason: string }

const PREFIX = 'kt1'
const encoder = new TextEncoder()

export async function signTicket(claims: TicketClaims, key: CryptoKey): Promise<string> {
  const body = base64url(encoder.encode(JSON.stringify(claims)))
  const signature = await crypto.subtle.sign('HMAC', key, encoder.encode(`${PREFIX}.${body}`))
  return `${PREFIX}.${body}.${base64url(new Uint8Array(signature))}`
}

/** The ticket's claims if its signature holds and it has not expired at `now`; otherwise why not. */
export async function verifyTicket(ticket: string, key: CryptoKey, now: number): Promise<TicketCheck> {
  const [prefix, body, signature, ...rest] = ticket.split('.')
  if (prefix !== PREFIX || !body || !signature || rest.length > 0) return { ok: false, reason: 'malformed ticket' }
  const mac = fromBase64url(signature)
  // crypto.subtle.verify compares in constant time.
  if (!mac || !(await crypto.subtle.verify('HMAC', key, mac, encoder.encode(`${PREFIX}.${body}`)))) {
    return { ok: false, reason: 'ticket signature verification failed' }
  }
  let claims: TicketClaims
  try {
    claims = JSON.parse(new TextDecoder().decode(fromBase64url(body))) as TicketClaims
  } catch {
    return { ok: false, reason: 'malformed ticket' }
  }
  if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, reason: 'ticket expired' }
  return { ok: true, claims }
}

/** An HMAC-SHA256 key from raw bytes (the secret the cluster's metadata object keeps). */
export function importTicketKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
}

function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}
