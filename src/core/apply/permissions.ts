/**
 * The permission each plan item needs: to read it (what a dry run needs) and to change it, the same as the
 * route that makes that change by hand needs (`POST /admin/topics`, `PATCH .../config`, `PUT /admin/quotas`,
 * `POST /admin/webhooks`, `PUT /admin/groups/:id/health` ...), so a document can do nothing its author could not do one request at a time.
 */
import type { ApplyItem } from '../../protocol/apply.js'
import { topicOfSubject } from '../../protocol/schemas.js'
import type { Action } from '../permissions.js'

export interface Permission {
  action: Action
  /** The topic the permission must cover; absent for tenant-wide actions. */
  resource?: string
}

/** What reading the item's current state needs. */
export function readPermission(item: Pick<ApplyItem, 'kind' | 'name'>): Permission {
  switch (item.kind) {
    case 'topic':
    case 'queue':
      return { action: 'topic:read', resource: item.name }
    case 'schema':
      return { action: 'topic:read', resource: topicOfSubject(item.name) }
    case 'quotas':
      return { action: 'admin' }
    case 'apiKey':
      return { action: 'apikey:admin' }
    case 'webhook':
      return { action: 'webhook:admin' }
    case 'group':
      return { action: 'group:read', resource: item.name }
  }
}

/** What making the item's change needs; nothing for an unchanged item. */
export function writePermission(item: Pick<ApplyItem, 'kind' | 'name' | 'action'>): Permission | undefined {
  if (item.action === 'unchanged') return undefined
  switch (item.kind) {
    case 'topic':
    case 'queue': {
      const action = item.action === 'create' ? 'topic:create' : item.action === 'delete' ? 'topic:delete' : 'topic:config'
      return { action, resource: item.name }
    }
    case 'schema':
      return { action: 'topic:config', resource: topicOfSubject(item.name) }
    case 'quotas':
      return { action: 'platform:admin' }
    case 'apiKey':
      return { action: 'apikey:admin' }
    case 'webhook':
      return { action: 'webhook:admin' }
    case 'group':
      return { action: 'group:admin', resource: item.name }
  }
}
