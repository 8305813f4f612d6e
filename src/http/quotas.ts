/** Rate quotas at the edge: charged before a produce is written, and for fetches before and after. */
import type { Context } from 'hono'
import type { AppEnv } from './context.js'
import { chargeTenant, fetchAllowed, recordFetch } from '../services/quotas.js'

export async function chargeProduce(c: Context<AppEnv>, records: number): Promise<void> {
  await chargeTenant(c.env, c.get('tenant'), { bytes: c.get('bodyBytes') ?? 0, records })
}

export async function chargeFetch(c: Context<AppEnv>): Promise<void> {
  await fetchAllowed(c.env, c.get('tenant'))
}

export async function settleFetch(c: Context<AppEnv>, bytes: number): Promise<void> {
  await recordFetch(c.env, c.get('tenant'), bytes)
}
