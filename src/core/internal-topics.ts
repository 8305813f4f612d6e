/**
 * Who may do what with internal topics: names starting with `__` (the tenant's audit trail `__audit`,
 * and the dead-letter topic a queue consumer of it would get). As Kafka's `__consumer_offsets` is the
 * broker's, they are Kafdo's own: only Kafdo creates them and writes to them, so no credential (not a
 * platform admin's, not AUTH_MODE=none's) can forge or create one; reading needs `admin`; deleting or
 * reconfiguring one needs `platform:admin`, so a tenant admin cannot erase or hide its own trail.
 *
 * The one table of these rules. The HTTP edge (`authorize`), the produce service and the metadata
 * object's topic creation all consult it.
 */
import type { ErrorPayload } from '../protocol/errors.js'
import { isInternalTopic } from '../protocol/topics.js'
import type { Action } from './permissions.js'

const REFUSED: Partial<Record<Action, (topic: string) => ErrorPayload>> = {
  produce: (topic) => ({
    code: 'FORBIDDEN',
    message: `topic '${topic}' is internal: only Kafdo writes to it`,
    details: { topic, reason: 'internal topic' },
  }),
  // Kafka answers a name it will not accept with InvalidTopicException; a reserved name is such a name
  // for every caller, which is why this is 400 INVALID_TOPIC_EXCEPTION and not 403.
  'topic:create': (topic) => ({
    code: 'INVALID_TOPIC_EXCEPTION',
    message: `topic name '${topic}' is reserved: names starting with '__' are Kafdo's internal topics`,
    details: { topic, reason: 'reserved name' },
  }),
}

/**
 * Why an internal topic's partitions may not grow: Kafdo writes and reads its audit trail as one ordered
 * partition, and records written to a partition added later would be hidden from its reader.
 */
export function internalPartitionsRefusal(name: string, partitions: number): ErrorPayload | undefined {
  if (!isInternalTopic(name)) return undefined
  return {
    code: 'INVALID_PARTITIONS',
    message: `topic '${name}' is internal: it keeps the ${partitions} partition${partitions === 1 ? '' : 's'} Kafdo made it with`,
    details: { topic: name, partitions, reason: 'internal topic' },
  }
}

/** Changes that could erase or hide an internal topic's records. */
const PLATFORM_ONLY: readonly Action[] = ['topic:delete', 'topic:config']

/** Why nobody may do `action` on `name`, or undefined when the rules allow it to someone. */
export function internalTopicRefusal(action: Action, name: string): ErrorPayload | undefined {
  return isInternalTopic(name) ? REFUSED[action]?.(name) : undefined
}

/** The permission `action` on `resource` needs: `admin` or `platform:admin` when it names an internal topic. */
export function permissionNeeded(action: Action, resource?: string): Action {
  if (resource === undefined || !isInternalTopic(resource)) return action
  return PLATFORM_ONLY.includes(action) ? 'platform:admin' : 'admin'
}
