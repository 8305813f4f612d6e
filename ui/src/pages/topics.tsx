/** Topics: partitions, offsets, size and write rate; a topic's partitions and config, and its message browser. */
import { useRef, useState } from 'preact/hooks'
import type { FetchResponse, PartitionOffsets, TopicDescription, TopicSummary } from '../../../src/protocol/index'
import { get, type ApiError } from '../api'
import { ErrorNote, Loading, RecordItem, Status, TableWrap, usePoll, type RecordData } from '../components'
import { bytes, count, rate } from '../format'
import { href } from '../router'

interface TopicRow {
  topic: string
  partitions: number
  records: number
  latest: number
  sizeBytes: number | null
  status: string | null
}

export function TopicsPage() {
  // Per topic, the first sample of its end offsets and when: the rate is what was written since.
  const first = useRef(new Map<string, { latest: number; at: number }>())
  const polled = usePoll(
    async () => {
      const { topics } = await get<{ topics: TopicSummary[] }>('/admin/topics')
      return Promise.all(
        topics.map(async (topic): Promise<TopicRow> => {
          const [offsets, health] = await Promise.all([
            get<{ partitions: PartitionOffsets[] }>(`/admin/topics/${topic.topic}/offsets`),
            get<{ status: string; figures: { sizeBytes?: number } }>(`/health/topics/${topic.topic}`).catch(() => undefined),
          ])
          const latest = offsets.partitions.reduce((sum, p) => sum + p.latest, 0)
          const records = offsets.partitions.reduce((sum, p) => sum + p.latest - p.earliest, 0)
          return {
            topic: topic.topic,
            partitions: topic.partitions,
            records,
            latest,
            sizeBytes: health?.figures.sizeBytes ?? null,
            status: health?.status ?? null,
          }
        }),
      )
    },
    5_000,
    [],
  )
  const now = Date.now()
  const rateOf = (row: TopicRow) => {
    const seen = first.current.get(row.topic)
    if (!seen) {
      first.current.set(row.topic, { latest: row.latest, at: now })
      return undefined
    }
    return now - seen.at < 1_000 ? undefined : ((row.latest - seen.latest) * 1000) / (now - seen.at)
  }
  return (
    <section aria-labelledby="topics-title">
      <h1 id="topics-title">Topics</h1>
      <ErrorNote error={polled.error} />
      {!polled.data && !polled.error && <Loading what="topics" />}
      {polled.data && polled.data.length === 0 && <p>No topics yet in this tenant.</p>}
      {polled.data && polled.data.length > 0 && (
        <TableWrap label="Topics">
          <table>
            <caption class="sr-only">Topics, their partitions, records, size and write rate since this page opened</caption>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col">Partitions</th>
                <th scope="col">Records</th>
                <th scope="col">Size</th>
                <th scope="col">Rate</th>
                <th scope="col">Health</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {polled.data.map((row) => (
                <tr key={row.topic}>
                  <th scope="row">
                    <a href={href('topics', row.topic)}>{row.topic}</a>
                  </th>
                  <td class="num">{row.partitions}</td>
                  <td class="num">{count(row.records)}</td>
                  <td class="num">{bytes(row.sizeBytes)}</td>
                  <td class="num">{rate(rateOf(row))}</td>
                  <td>{row.status ? <Status status={row.status} /> : '–'}</td>
                  <td class="links">
                    <a href={href('tail', row.topic)}>Tail</a> <a href={href('produce', row.topic)}>Produce</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  )
}

export function TopicPage({ topic }: { topic: string }) {
  const described = usePoll(() => get<TopicDescription>(`/admin/topics/${topic}`), 5_000, [topic])
  return (
    <section aria-labelledby="topic-title">
      <p class="crumbs">
        <a href={href('topics')}>Topics</a> /
      </p>
      <h1 id="topic-title">{topic}</h1>
      <p class="links">
        <a href={href('tail', topic)}>Live tail</a> <a href={href('produce', topic)}>Produce a message</a>
      </p>
      <ErrorNote error={described.error} />
      {described.data && (
        <div class="columns">
          <TableWrap label="Partitions">
            <table>
              <caption>Partitions</caption>
              <thead>
                <tr>
                  <th scope="col">Partition</th>
                  <th scope="col">Earliest</th>
                  <th scope="col">Latest</th>
                  <th scope="col">Records</th>
                </tr>
              </thead>
              <tbody>
                {described.data.partitions.map((p) => (
                  <tr key={p.partition}>
                    <th scope="row">{p.partition}</th>
                    <td class="num">{p.earliest}</td>
                    <td class="num">{p.latest}</td>
                    <td class="num">{count(p.latest - p.earliest)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <details>
            <summary>Config</summary>
            <dl class="config">
              {Object.entries(described.data.config).map(([key, value]) => (
                <div key={key}>
                  <dt>{key}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
          </details>
        </div>
      )}
      {described.data && <MessageBrowser topic={topic} partitions={described.data.partitions} />}
    </section>
  )
}

type From = 'last' | 'offset' | 'timestamp'

function MessageBrowser({ topic, partitions }: { topic: string; partitions: PartitionOffsets[] }) {
  const [partition, setPartition] = useState(0)
  const [from, setFrom] = useState<From>('last')
  const [amount, setAmount] = useState(20)
  const [offset, setOffset] = useState(0)
  const [timestamp, setTimestamp] = useState('')
  const [keyFilter, setKeyFilter] = useState('')
  const [headerFilter, setHeaderFilter] = useState('')
  const [records, setRecords] = useState<RecordData[] | undefined>(undefined)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const load = async (event?: Event) => {
    event?.preventDefault()
    const range = partitions.find((p) => p.partition === partition) ?? partitions[0]!
    const query =
      from === 'last'
        ? { offset: Math.max(range.earliest, range.latest - amount), limit: amount }
        : from === 'offset'
          ? { offset, limit: amount, reset: 'earliest' }
          : { timestamp: timestamp ? new Date(timestamp).toISOString() : 0, limit: amount }
    try {
      const answer = await get<FetchResponse>(`/topics/${topic}/partitions/${partition}/messages`, query)
      setRecords(answer.messages)
      setError(undefined)
    } catch (err) {
      setError(err as ApiError)
    }
  }
  const [headerName, headerValue] = headerFilter.split('=')
  const shown = (records ?? []).filter(
    (record) =>
      (keyFilter === '' || (record.key ?? '').includes(keyFilter)) &&
      (headerFilter === '' ||
        (headerName !== undefined &&
          record.headers[headerName.trim()] !== undefined &&
          (headerValue === undefined || record.headers[headerName.trim()] === headerValue.trim()))),
  )
  return (
    <section aria-labelledby="browser-title" class="panel">
      <h2 id="browser-title">Messages</h2>
      <form class="inline" onSubmit={load}>
        <div class="field">
          <label for="browse-partition">Partition</label>
          <select id="browse-partition" value={partition} onChange={(e) => setPartition(Number((e.target as HTMLSelectElement).value))}>
            {partitions.map((p) => (
              <option key={p.partition} value={p.partition}>
                {p.partition}
              </option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend>From</legend>
          {(['last', 'offset', 'timestamp'] as const).map((choice) => (
            <label key={choice} class="choice">
              <input type="radio" name="from" value={choice} checked={from === choice} onChange={() => setFrom(choice)} />
              {choice === 'last' ? 'the last N' : choice === 'offset' ? 'an offset' : 'a time'}
            </label>
          ))}
        </fieldset>
        <label>
          N (messages)
          <input type="number" min={1} max={1000} value={amount} onInput={(e) => setAmount(Number((e.target as HTMLInputElement).value) || 1)} />
        </label>
        {from === 'offset' && (
          <label>
            Offset
            <input type="number" min={0} value={offset} onInput={(e) => setOffset(Number((e.target as HTMLInputElement).value) || 0)} />
          </label>
        )}
        {from === 'timestamp' && (
          <label>
            Time (UTC)
            <input type="datetime-local" value={timestamp} onInput={(e) => setTimestamp((e.target as HTMLInputElement).value)} />
          </label>
        )}
        <button type="submit" class="primary">
          Show messages
        </button>
      </form>
      <div class="inline filters">
        <label>
          Key contains
          <input type="search" value={keyFilter} onInput={(e) => setKeyFilter((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Header (name or name=value)
          <input type="search" value={headerFilter} onInput={(e) => setHeaderFilter((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      <ErrorNote error={error} />
      {records && (
        <p role="status">
          {shown.length} of {records.length} messages shown
        </p>
      )}
      <ol class="records" aria-label="Messages">
        {shown.map((record) => (
          <RecordItem key={record.offset} record={record} />
        ))}
      </ol>
    </section>
  )
}
