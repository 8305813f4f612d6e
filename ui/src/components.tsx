/** Pieces every page uses: polling a resource, errors, status badges, a confirmation dialog, records, a chart. */
import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from './api'
import { time, valueText } from './format'

export interface Polled<T> {
  data: T | undefined
  error: ApiError | undefined
  reload: () => void
}

/** Loads now and again every `intervalMs` (0: once) while the page is shown; reloads when `deps` change. */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [tick, setTick] = useState(0)
  const reload = useCallback(() => setTick((n) => n + 1), [])
  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const run = async () => {
      try {
        const value = await load()
        if (!live) return
        setData(value)
        setError(undefined)
      } catch (err) {
        if (live) setError(err instanceof ApiError ? err : new ApiError(0, { code: 'ERROR', message: String(err) }))
      }
      if (live && intervalMs > 0) timer = setTimeout(run, intervalMs)
    }
    void run()
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [...deps, tick])
  return { data, error, reload }
}

export function ErrorNote({ error }: { error: ApiError | undefined }) {
  if (!error) return null
  return (
    <p class="note error" role="alert">
      <strong>{error.code}</strong> {error.message}
    </p>
  )
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="note" role="status">
      Loading {what}…
    </p>
  )
}

const STATUS_LABEL: Record<string, string> = { ok: 'OK', degraded: 'Degraded', failing: 'Failing', pending: 'Pending' }

export function Status({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{STATUS_LABEL[status] ?? status}</span>
}

/** A table that scrolls sideways on a narrow screen, reachable by keyboard. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  )
}

/** A button that asks first, in a modal dialog (focus kept inside, Escape cancels). */
export function ConfirmButton(props: {
  label: string
  title: string
  children: ComponentChildren
  confirm: string
  danger?: boolean
  onConfirm: () => void | Promise<void>
  disabled?: boolean
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  const [busy, setBusy] = useState(false)
  const confirm = async () => {
    setBusy(true)
    try {
      await props.onConfirm()
    } finally {
      setBusy(false)
      dialog.current?.close()
    }
  }
  return (
    <>
      <button type="button" class={props.danger ? 'danger' : ''} disabled={props.disabled} onClick={() => dialog.current?.showModal()}>
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={`${props.label}-title`.replace(/\W+/g, '-')}>
        <h2 id={`${props.label}-title`.replace(/\W+/g, '-')}>{props.title}</h2>
        <div>{props.children}</div>
        <div class="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class={props.danger ? 'danger' : 'primary'} disabled={busy} onClick={confirm}>
            {props.confirm}
          </button>
        </div>
      </dialog>
    </>
  )
}

export interface RecordData {
  partition?: number
  offset: number
  timestamp: number
  key: string | null
  value: unknown
  headers: Record<string, string>
  valueEncoding?: string
}

/** One record: where it is, when, its key and headers, and its value (pretty JSON, or base64 said as such). */
export function RecordItem({ record }: { record: RecordData }) {
  const headers = Object.entries(record.headers)
  return (
    <li class="record">
      <div class="record-meta">
        {record.partition !== undefined && <span>partition {record.partition}</span>}
        <span>offset {record.offset}</span>
        <time dateTime={new Date(record.timestamp).toISOString()}>{time(record.timestamp)}</time>
        <span>
          key <code>{record.key === null ? 'null' : record.key}</code>
        </span>
        {record.valueEncoding === 'base64' && <span class="badge">base64</span>}
      </div>
      {headers.length > 0 && (
        <dl class="headers">
          {headers.map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
      <pre class="value">{valueText(record.value, record.valueEncoding)}</pre>
    </li>
  )
}

/** A line over time, drawn in SVG, with its figures said in text for screen readers. */
export function LineChart({ points, label }: { points: Array<{ t: number; v: number }>; label: string }) {
  const width = 600
  const height = 160
  if (points.length === 0) return null
  const t0 = points[0]!.t
  const span = Math.max(1, points[points.length - 1]!.t - t0)
  const max = Math.max(1, ...points.map((p) => p.v))
  const line = points
    .map((p) => `${(((p.t - t0) / span) * (width - 40) + 36).toFixed(1)},${(height - 20 - (p.v / max) * (height - 40)).toFixed(1)}`)
    .join(' ')
  const last = points[points.length - 1]!
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: ${points[0]!.v} at first, ${last.v} now`}>
        <line x1="36" y1={height - 20} x2={width - 4} y2={height - 20} class="axis" />
        <line x1="36" y1="20" x2="36" y2={height - 20} class="axis" />
        <text x="32" y="24" text-anchor="end" class="tick">
          {max}
        </text>
        <text x="32" y={height - 20} text-anchor="end" class="tick">
          0
        </text>
        <polyline points={line} class="series" />
      </svg>
      <figcaption>
        {label} since this page opened: {points[0]!.v} at first, <strong>{last.v}</strong> now ({points.length} samples).
      </figcaption>
    </figure>
  )
}
