/** The Hono environment every router shares: Kafdo's bindings and the per-request variables. */
import type { KafdoEnv } from '../env.js'

export interface AppEnv {
  Bindings: KafdoEnv
  Variables: {
    /** The namespace this request acts in; until authentication lands it is always the default tenant. */
    tenant: string
    requestId: string
  }
}
