/** Produce a test message from a form: topic, key, partition, value (JSON or text) and headers. */
import { useState } from 'preact/hooks'
import type { RecordMetadata, TopicSummary } from '../../../src/protocol/index'
import { api, ApiError, get } from '../api'
import { ErrorNote, usePoll } from '../components'
import { href } from '../router'

export function ProducePage({ topic: initial }: { topic: string | undefined }) {
  const topics = usePoll(() => get<{ topics: TopicSummary[] }>('/admin/topics'), 0, [])
  const [topic, setTopic] = useState(initial ?? '')
  const [key, setKey] = useState('')
  const [partition, setPartition] = useState('')
  const [kind, setKind] = useState<'json' | 'text'>('json')
  const [value, setValue] = useState('{\n  "hello": "kafdo"\n}')
  const [headers, setHeaders] = useState('')
  const [result, setResult] = useState<RecordMetadata | undefined>(undefined)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const chosen = topic || initial || topics.data?.topics[0]?.topic || ''
  const submit = async (event: Event) => {
    event.preventDefault()
    setResult(undefined)
    try {
      let parsed: unknown = value
      if (kind === 'json') {
        try {
          parsed = JSON.parse(value)
        } catch (err) {
          throw new ApiError(400, { code: 'INVALID_JSON', message: `the value is not JSON: ${(err as Error).message}` })
        }
      }
      const headerMap: Record<string, string> = {}
      for (const line of headers.split('\n').filter((l) => l.trim())) {
        const colon = line.indexOf(':')
        if (colon <= 0) throw new ApiError(400, { code: 'INVALID_REQUEST', message: `a header line is "name: value", not "${line}"` })
        headerMap[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
      }
      const body = {
        value: parsed,
        ...(key ? { key } : {}),
        ...(partition !== '' ? { partition: Number(partition) } : {}),
        ...(Object.keys(headerMap).length > 0 ? { headers: headerMap } : {}),
      }
      setResult(await api<RecordMetadata>('POST', `/topics/${chosen}/produce`, { body }))
      setError(undefined)
    } catch (err) {
      setError(err as ApiError)
    }
  }
  return (
    <section aria-labelledby="produce-title">
      <h1 id="produce-title">Produce a message</h1>
      <ErrorNote error={topics.error} />
      <form class="stacked" onSubmit={submit}>
        <label for="produce-topic">Topic</label>
        <select id="produce-topic" value={chosen} onChange={(e) => setTopic((e.target as HTMLSelectElement).value)} required>
          {(topics.data?.topics ?? []).map((t) => (
            <option key={t.topic} value={t.topic}>
              {t.topic}
            </option>
          ))}
        </select>
        <label for="produce-key">Key (optional)</label>
        <input id="produce-key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        <label for="produce-partition">Partition (optional; by key otherwise)</label>
        <input id="produce-partition" type="number" min={0} value={partition} onInput={(e) => setPartition((e.target as HTMLInputElement).value)} />
        <fieldset>
          <legend>Value is</legend>
          <label class="choice">
            <input type="radio" name="kind" checked={kind === 'json'} onChange={() => setKind('json')} /> JSON
          </label>
          <label class="choice">
            <input type="radio" name="kind" checked={kind === 'text'} onChange={() => setKind('text')} /> text
          </label>
        </fieldset>
        <label for="produce-value">Value</label>
        <textarea id="produce-value" rows={6} value={value} onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)} />
        <label for="produce-headers">Headers (one "name: value" a line)</label>
        <textarea id="produce-headers" rows={3} value={headers} onInput={(e) => setHeaders((e.target as HTMLTextAreaElement).value)} />
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={!chosen}>
          Produce
        </button>
      </form>
      {result && (
        <p class="note success" role="status">
          Written to partition {result.partition} at offset {result.offset}. <a href={href('topics', result.topic)}>Browse {result.topic}</a> ·{' '}
          <a href={href('tail', result.topic)}>Tail it</a>
        </p>
      )}
    </section>
  )
}
