/**
 * Alert events a partition object raises (a record dead-lettered, a record out of attempts), sent to its
 * tenant's TenantMonitorDO after the operation that raised them, without waiting for the answer: the
 * monitor only stores them (webhook deliveries happen later, on its alarm), and a slow or failing monitor
 * never holds up an ack, nack or receive. Sending is tried three times; events that still cannot be
 * handed over are logged and dropped (the DLQ itself keeps every dead record). Without a TENANT_MONITOR
 * binding nothing is collected.
 */
import type { KafdoEnv } from '../env.js'
import type { RaisedEvent } from '../protocol/tenant-rpc.js'
import type { QueueFailure } from './queue-failures.js'
import type { PartitionMeta } from '../storage/partition-store.js'
import type { Delivery } from '../storage/delivery-store.js'
import { monitorStub } from './object-calls.js'

const SEND_ATTEMPTS = 3

export class MonitorOutbox {
  readonly #env: KafdoEnv
  #events: RaisedEvent[] = []
  /** Sends run one after another, so the monitor receives a partition's events in the order raised. */
  #sending: Promise<void> = Promise.resolve()

  constructor(env: KafdoEnv) {
    this.#env = env
  }

  /** Records out of attempts (dead-lettered or dropped): one event each. */
  retriesExhausted(meta: PartitionMeta, failure: QueueFailure, now: number): void {
    if (!failure.exhausted || failure.outcome === 'delayed' || !this.#env.TENANT_MONITOR) return
    for (let offset = failure.first; offset <= failure.last; offset++) {
      this.#push({
        type: 'record.retries_exhausted',
        occurredAt: now,
        data: { ...origin(meta, { ...failure.fields, group: failure.group, offset }), outcome: failure.outcome, leaseExpired: failure.expired },
      })
    }
  }

  /** A dead record safely in the DLQ (its DLQ offset unknown when an earlier pass wrote it). */
  deadLettered(meta: PartitionMeta, delivery: Delivery, dlq: { topic: string; partition: number; offset: number | null }, now: number): void {
    this.#push({
      type: 'record.dead_lettered',
      occurredAt: now,
      data: { ...origin(meta, delivery), deadLetterTopic: dlq.topic, deadLetterPartition: dlq.partition, deadLetterOffset: dlq.offset },
    })
  }

  /** Hands what was raised to the tenant's monitor, in the background. */
  flush(tenant: string): void {
    if (this.#events.length === 0) return
    const events = this.#events
    this.#events = []
    const monitor = monitorStub(this.#env, tenant)
    if (!monitor) return
    this.#sending = this.#sending.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await monitor.raise(tenant, events)
          return
        } catch (err) {
          if (attempt >= SEND_ATTEMPTS) {
            console.error(
              JSON.stringify({ level: 'warn', message: 'alert events dropped', tenant, events: events.length, error: (err as Error).message }),
            )
            return
          }
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
        }
      }
    })
  }

  #push(event: RaisedEvent): void {
    // Only a deployment with the monitor collects events; the rest never hold them in memory.
    if (this.#env.TENANT_MONITOR) this.#events.push(event)
  }
}

function origin(meta: PartitionMeta, delivery: Delivery): Record<string, unknown> {
  return {
    topic: meta.topic,
    partition: meta.partition,
    offset: delivery.offset,
    group: delivery.group,
    attempts: delivery.attempts,
    lastError: delivery.lastError,
  }
}
