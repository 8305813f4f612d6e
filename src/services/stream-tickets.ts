/**
 * Issuing and checking stream tickets (core/stream-ticket.ts) with the cluster's signing secret, which
 * each isolate asks the metadata object for once and then keeps.
 */
import { importTicketKey, signTicket, verifyTicket, type TicketCheck, type TicketClaims } from '../core/stream-ticket.js'
import type { KafdoBindings } from '../env.js'
import { TICKET_TTL_MS } from '../protocol/streams.js'
import { attempt, directoryStub } from './stubs.js'

const keys = new WeakMap<object, Promise<CryptoKey>>()

function ticketKey(env: KafdoBindings): Promise<CryptoKey> {
  let key = keys.get(env.CLUSTER_METADATA)
  if (!key) {
    key = attempt(() => directoryStub(env).ticketSecret()).then((secret) => importTicketKey(new Uint8Array(secret)))
    // A failed fetch is not kept: the next request asks again.
    key.catch(() => keys.delete(env.CLUSTER_METADATA))
    keys.set(env.CLUSTER_METADATA, key)
  }
  return key
}

export async function issueTicket(env: KafdoBindings, claims: Omit<TicketClaims, 'exp'>, now = Date.now()): Promise<{ ticket: string; exp: number }> {
  const exp = now + TICKET_TTL_MS
  return { ticket: await signTicket({ ...claims, exp }, await ticketKey(env)), exp }
}

export async function checkTicket(env: KafdoBindings, ticket: string, now = Date.now()): Promise<TicketCheck> {
  return verifyTicket(ticket, await ticketKey(env), now)
}
