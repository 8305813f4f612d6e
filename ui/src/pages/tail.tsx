/**
 * Live tail over Server-Sent Events. A browser's EventSource cannot send an Authorization header, so the
 * page asks for a short-lived stream ticket (`POST /auth/ticket`) and opens the stream with it; when the
 * stream fails (a ticket expired on reconnect, a restart) it asks again and resumes after the last record
 * shown, so none is lost or shown twice.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { TicketResponse, TopicSummary } from '../../../src/protocol/index'
import { api, apiUrl, get, type ApiError } from '../api'
import { ErrorNote, RecordItem, usePoll, type RecordData } from '../components'
import { href, navigate } from '../router'

const KEPT = 200

export function TailPage({ topic, partition }: { topic: string | undefined; partition: string | undefined }) {
  const topics = usePoll(() => get<{ topics: TopicSummary[] }>('/admin/topics'), 0, [])
  const [from, setFrom] = useState<'latest' | 'earliest'>('latest')
  const [running, setRunning] = useState(false)
  const [records, setRecords] = useState<RecordData[]>([])
  const [state, setState] = useState('stopped')
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const source = useRef<EventSource | undefined>(undefined)
  const lastId = useRef<string | undefined>(undefined)

  useEffect(() => {
    setRecords([])
    lastId.current = undefined
    setRunning(false)
  }, [topic, partition])

  useEffect(() => {
    if (!running || !topic) return
    let stopped = false
    const path = partition === undefined ? `/topics/${topic}/stream` : `/topics/${topic}/partitions/${partition}/stream`
    const open = async () => {
      setState('connecting')
      try {
        const { ticket } = await api<TicketResponse>('POST', '/auth/ticket', { body: { path } })
        if (stopped) return
        const url = apiUrl(path, lastId.current === undefined ? { ticket, offset: from } : { ticket, lastEventId: lastId.current })
        const events = new EventSource(url)
        source.current = events
        events.addEventListener('ready', (event) => {
          lastId.current = (event as MessageEvent).lastEventId
          setState('live')
          setError(undefined)
        })
        events.addEventListener('record', (event) => {
          const message = event as MessageEvent<string>
          lastId.current = message.lastEventId
          const record = JSON.parse(message.data) as RecordData
          setRecords((shown) => [record, ...shown].slice(0, KEPT))
        })
        events.addEventListener('close', (event) => {
          const { code, message } = JSON.parse((event as MessageEvent<string>).data) as { code: string; message: string }
          if (code !== 'SLOW_SUBSCRIBER') setError({ code, message } as ApiError)
        })
        events.onerror = () => {
          // EventSource retries by itself while it can; once closed (the ticket is spent), ask for a new one.
          if (events.readyState !== EventSource.CLOSED || stopped) return setState('reconnecting')
          events.close()
          setState('reconnecting')
          setTimeout(() => void (stopped || open()), 1_000)
        }
      } catch (err) {
        setError(err as ApiError)
        setState('stopped')
        setRunning(false)
      }
    }
    void open()
    return () => {
      stopped = true
      source.current?.close()
      source.current = undefined
      setState('stopped')
    }
  }, [running, topic, partition])

  return (
    <section aria-labelledby="tail-title">
      <h1 id="tail-title">Live tail{topic ? `: ${topic}` : ''}</h1>
      <form class="inline" onSubmit={(event) => (event.preventDefault(), setRunning(!running))}>
        <div class="field">
          <label for="tail-topic">Topic</label>
          <select id="tail-topic" value={topic ?? ''} onChange={(e) => navigate('tail', (e.target as HTMLSelectElement).value)}>
            <option value="" disabled>
              Choose a topic
            </option>
            {(topics.data?.topics ?? []).map((t) => (
              <option key={t.topic} value={t.topic}>
                {t.topic}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="tail-partition">Partition</label>
          <select
            id="tail-partition"
            value={partition ?? ''}
            onChange={(e) => {
              const value = (e.target as HTMLSelectElement).value
              if (topic) navigate('tail', topic, ...(value === '' ? [] : [value]))
            }}
          >
            <option value="">all</option>
            {Array.from({ length: topics.data?.topics.find((t) => t.topic === topic)?.partitions ?? 0 }, (_, p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="tail-from">Start from</label>
          <select
            id="tail-from"
            value={from}
            disabled={running}
            onChange={(e) => setFrom((e.target as HTMLSelectElement).value as 'latest' | 'earliest')}
          >
            <option value="latest">new records only</option>
            <option value="earliest">the beginning</option>
          </select>
        </div>
        <button type="submit" class="primary" disabled={!topic}>
          {running ? 'Stop' : 'Start'}
        </button>
      </form>
      <ErrorNote error={topics.error ?? error} />
      <p role="status" aria-live="polite">
        <span class={`badge state-${state}`}>{state}</span> {records.length} records shown{records.length === KEPT ? ` (the last ${KEPT})` : ''}
        {topic && (
          <>
            {' '}
            · <a href={href('topics', topic)}>browse {topic}</a>
          </>
        )}
      </p>
      <ol class="records" aria-label="Records, newest first">
        {records.map((record) => (
          <RecordItem key={`${record.partition}:${record.offset}`} record={record} />
        ))}
      </ol>
    </section>
  )
}
