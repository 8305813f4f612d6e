/** Reading integration topics back: every record of a topic, partition by partition, over the HTTP API. */
import type { FetchedRecord } from '../../../src/protocol/records'
import { fetchMessages, request } from '../../support/http'

export interface ReadRecord extends FetchedRecord {
  partition: number
}

export async function partitionCount(topic: string): Promise<number> {
  const res = await request('GET', `/admin/topics/${topic}`)
  if (res.status !== 200) throw new Error(`describe ${topic}: ${res.status} ${JSON.stringify(res.body)}`)
  return (res.body.partitions as unknown[]).length
}

/** All records of a topic, each partition in offset order. */
export async function readTopic(topic: string): Promise<ReadRecord[]> {
  const records: ReadRecord[] = []
  const partitions = await partitionCount(topic)
  for (let partition = 0; partition < partitions; partition++) {
    const res = await fetchMessages(topic, partition, 'offset=0&limit=1000')
    if (res.status !== 200) throw new Error(`fetch ${topic}/${partition}: ${res.status} ${JSON.stringify(res.body)}`)
    for (const message of res.body.messages as FetchedRecord[]) records.push({ ...message, partition })
  }
  return records
}

/** The records of one key, in the order its partition holds them. */
export function recordsOfKey(records: readonly ReadRecord[], key: string): ReadRecord[] {
  return records.filter((record) => record.key === key)
}
