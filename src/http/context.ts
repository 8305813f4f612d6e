/** The Hono environment every router shares: Kafdo's bindings and the per-request variables. */
import type { KafdoEnv } from '../env.js'
import type { Principal } from './auth/principal.js'

export interface AppEnv {
  Bindings: KafdoEnv
  Variables: {
    /** The namespace this request acts in: the credential's tenant (or, for a platform admin, `?tenant=`). */
    tenant: string
    principal: Principal
    requestId: string
    /** Size of the JSON body read, for rate quotas. */
    bodyBytes: number
    /** For the request log and metrics: records a produce wrote or a read returned, and bytes of the answer read. */
    records: number
    responseBytes: number
    /** The error code answered, set by the one error renderer. */
    errorCode: string
    /** The rate-quota bucket behind a 429. */
    quotaBucket: string
  }
}
