/**
 * Durable Object names, derived only here and only on the server, from the tenant and the topic's id.
 * Including the topic id (a UUID minted at creation) means a topic deleted and created again under the
 * same name gets fresh partition objects: nothing of the old log can reappear.
 */

export const DEFAULT_TENANT = 'default'
export const CLUSTER_OBJECT_NAME = 'cluster'

/** Everything a partition object needs to know whose log it holds; sent with every call. */
export interface PartitionRef {
  tenant: string
  topic: string
  topicId: string
  partition: number
}

export function partitionObjectName(ref: PartitionRef): string {
  return `${ref.tenant}/${ref.topic}/${ref.topicId}/${ref.partition}`
}

export function groupObjectName(tenant: string, groupId: string): string {
  return `${tenant}/${groupId}`
}
