/** Queues: depth, in flight, delayed, dead letters; a queue's dead-letter queue, with redrive and purge behind a confirmation. */
import { useState } from 'preact/hooks'
import type { PartitionOffsets, QueueDescription, QueueDetails } from '../../../src/protocol/index'
import { api, get, type ApiError } from '../api'
import { ConfirmButton, ErrorNote, Loading, RecordItem, TableWrap, usePoll, type RecordData } from '../components'
import { count, duration } from '../format'
import { href } from '../router'

export function QueuesPage() {
  const queues = usePoll(
    async () => {
      const { queues: list } = await get<{ queues: QueueDescription[] }>('/queues')
      return Promise.all(list.filter((q) => !q.name.endsWith('-dlq')).map((queue) => get<QueueDetails>(`/queues/${queue.name}`)))
    },
    5_000,
    [],
  )
  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      <ErrorNote error={queues.error} />
      {!queues.data && !queues.error && <Loading what="queues" />}
      {queues.data?.length === 0 && <p>No queues yet in this tenant.</p>}
      {queues.data && queues.data.length > 0 && (
        <TableWrap label="Queues">
          <table>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Depth</th>
                <th scope="col">Ready</th>
                <th scope="col">In flight</th>
                <th scope="col">Delayed</th>
                <th scope="col">Dead letters</th>
                <th scope="col">Oldest</th>
              </tr>
            </thead>
            <tbody>
              {queues.data.map((queue) => (
                <tr key={queue.name}>
                  <th scope="row">
                    <a href={href('queues', queue.name)}>{queue.name}</a>
                  </th>
                  <td class="num">{count(queue.stats.depth)}</td>
                  <td class="num">{count(queue.stats.ready)}</td>
                  <td class="num">{count(queue.stats.inFlight)}</td>
                  <td class="num">{count(queue.stats.delayed)}</td>
                  <td class="num">{count(queue.stats.deadLettered)}</td>
                  <td class="num">{duration(queue.stats.oldestMessageAgeMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  )
}

export function QueuePage({ name }: { name: string }) {
  const [message, setMessage] = useState<string | undefined>(undefined)
  const [actionError, setActionError] = useState<ApiError | undefined>(undefined)
  const queue = usePoll(() => get<QueueDetails>(`/queues/${name}`), 3_000, [name])
  const dlq = usePoll(
    () =>
      queue.data?.deadLetterTopic
        ? // The dead-letter topic is created when a first record dies: until then there is nothing to show.
          get<{ messages: RecordData[] }>(`/queues/${name}/dlq`, { limit: 100 }).catch((err: ApiError) =>
            err.code === 'UNKNOWN_TOPIC_OR_PARTITION' ? { messages: [] } : Promise.reject(err),
          )
        : Promise.resolve({ messages: [] }),
    3_000,
    [name, queue.data?.deadLetterTopic],
  )
  const act = async (work: () => Promise<string>) => {
    try {
      setMessage(await work())
      setActionError(undefined)
    } catch (err) {
      setActionError(err as ApiError)
    }
    queue.reload()
    dlq.reload()
  }
  /**
   * Re-drives every dead letter up to the end seen now, and removes them from the DLQ when it has one
   * partition (a purge takes one offset for every partition, so with more it would remove others' too).
   */
  const redriveAll = () =>
    act(async () => {
      const dlqTopic = queue.data!.deadLetterTopic!
      const { partitions } = await get<{ partitions: PartitionOffsets[] }>(`/admin/topics/${dlqTopic}/offsets`)
      let redriven = 0
      for (const range of partitions.filter((p) => p.latest > p.earliest)) {
        const answer = await api<{ redriven: number }>('POST', `/queues/${name}/dlq/redrive`, {
          body: { partition: range.partition, toOffset: range.latest - 1 },
        })
        redriven += answer.redriven
      }
      if (partitions.length === 1) {
        await api('DELETE', `/queues/${name}/dlq`, { query: { beforeOffset: partitions[0]!.latest } })
        return `Re-drove ${redriven} dead letters to ${name} and removed them from the dead-letter queue.`
      }
      return `Re-drove ${redriven} dead letters to ${name}; they stay in the dead-letter queue until purged.`
    })
  const purge = () => act(async () => `Purged ${(await api<{ purged: number }>('DELETE', `/queues/${name}/dlq`)).purged} dead letters.`)
  const redriveOne = (record: RecordData) =>
    act(async () => {
      await api('POST', `/queues/${name}/dlq/redrive`, {
        body: { partition: record.partition ?? 0, fromOffset: record.offset, toOffset: record.offset },
      })
      return `Re-drove dead letter ${record.partition ?? 0}:${record.offset} to ${name} (it stays in the dead-letter queue until purged).`
    })
  const data = queue.data
  const dead = dlq.data?.messages ?? []
  return (
    <section aria-labelledby="queue-title">
      <p class="crumbs">
        <a href={href('queues')}>Queues</a> /
      </p>
      <h1 id="queue-title">{name}</h1>
      <ErrorNote error={queue.error} />
      {!data && !queue.error && <Loading what="the queue" />}
      {data && (
        <dl class="figures">
          {(
            [
              ['Depth', data.stats.depth],
              ['Ready', data.stats.ready],
              ['In flight', data.stats.inFlight],
              ['Delayed', data.stats.delayed],
              ['Dead letters', data.stats.deadLettered],
              ['Expired', data.stats.expired],
            ] as const
          ).map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{count(value)}</dd>
            </div>
          ))}
          <div>
            <dt>Retry</dt>
            <dd>
              {data.policy.retry.strategy}, {data.policy.retry.maxAttempts} attempts
            </dd>
          </div>
        </dl>
      )}
      <section aria-labelledby="dlq-title" class="panel">
        <h2 id="dlq-title">Dead-letter queue{data?.deadLetterTopic ? ` (${data.deadLetterTopic})` : ''}</h2>
        {data && !data.deadLetterTopic && <p>Dead-lettering is off for this queue: records that use up their attempts are dropped.</p>}
        <ErrorNote error={dlq.error ?? actionError} />
        {message && (
          <p class="note success" role="status">
            {message}
          </p>
        )}
        {data?.deadLetterTopic && (
          <div class="actions">
            <ConfirmButton
              label="Redrive all"
              title="Re-drive the dead letters?"
              confirm="Redrive"
              disabled={dead.length === 0}
              onConfirm={redriveAll}
            >
              <p>
                Every dead letter is produced to <strong>{name}</strong> again, with its key, value and headers. With one DLQ partition they are then
                removed from the dead-letter queue.
              </p>
            </ConfirmButton>
            <ConfirmButton label="Purge" title="Purge the dead-letter queue?" confirm="Purge" danger disabled={dead.length === 0} onConfirm={purge}>
              <p>Every dead letter is deleted for good. This cannot be undone.</p>
            </ConfirmButton>
          </div>
        )}
        {data?.deadLetterTopic && (
          <p role="status" data-testid="dlq-count">
            {dead.length === 0 ? 'The dead-letter queue is empty.' : `${dead.length} dead letters`}
          </p>
        )}
        <ol class="records" aria-label="Dead letters">
          {dead.map((record) => (
            <li key={`${record.partition}:${record.offset}`} class="dead-letter">
              <ul class="records bare">
                <RecordItem record={record} />
              </ul>
              <ConfirmButton
                label={`Redrive ${record.partition ?? 0}:${record.offset}`}
                title="Re-drive this dead letter?"
                confirm="Redrive"
                onConfirm={() => redriveOne(record)}
              >
                <p>
                  Dead letter {record.partition ?? 0}:{record.offset} is produced to <strong>{name}</strong> again. It stays in the dead-letter queue
                  until purged.
                </p>
              </ConfirmButton>
            </li>
          ))}
        </ol>
      </section>
    </section>
  )
}
