/** The example Worker's bindings: Kafdo's, the bucket, the Queue its notifications arrive on, and settings. */
import type { R2EventNotification } from '../../../integrations/index.js'
import type { KafdoEnv } from '../../../src/index.js'

export interface Env extends KafdoEnv {
  UPLOADS: R2Bucket
  R2_EVENTS: Queue<R2EventNotification>
  UPLOADS_BUCKET: string
  KEY_PREFIX_FILTER?: string
  SIMULATE_R2_NOTIFICATIONS?: string
}

/** `KEY_PREFIX_FILTER` as the bridge takes it: a list of prefixes, or no filter when empty. */
export function keyPrefixes(env: Env): string[] | undefined {
  const prefixes = (env.KEY_PREFIX_FILTER ?? '')
    .split(',')
    .map((prefix) => prefix.trim())
    .filter(Boolean)
  return prefixes.length > 0 ? prefixes : undefined
}
