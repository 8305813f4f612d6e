/** Who is calling: their home tenant and what they may do, established once per request. */
import type { Grant } from '../../core/permissions.js'
import type { AuditActor } from '../../protocol/audit.js'

export interface Principal extends AuditActor {
  /** The tenant the credential belongs to; requests act there unless a platform admin names another. */
  tenant: string
  grants: Grant[]
}
