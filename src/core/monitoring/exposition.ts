/**
 * The Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` once per family, then its
 * samples, every family's lines together (promtool refuses a family split in two). Families come out in
 * the catalogue's order and only when they have samples.
 */
import { METRICS, type MetricDefinition } from '../../protocol/metric-catalogue.js'

export interface Sample {
  /** The family name, or for a histogram the family name with `_bucket`, `_sum` or `_count`. */
  name: string
  labels: Record<string, string>
  value: number
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const

export function renderExposition(samples: readonly Sample[], catalogue: readonly MetricDefinition[] = METRICS): string {
  const byFamily = new Map<string, Sample[]>()
  const histograms = new Set(catalogue.filter((m) => m.type === 'histogram').map((m) => m.name))
  for (const sample of samples) {
    const family = familyOf(sample.name, histograms)
    const list = byFamily.get(family)
    if (list) list.push(sample)
    else byFamily.set(family, [sample])
  }
  const lines: string[] = []
  for (const metric of catalogue) {
    const list = byFamily.get(metric.name)
    if (!list) continue
    lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} ${metric.type}`)
    for (const sample of list) lines.push(`${sample.name}${renderLabels(sample.labels)} ${formatValue(sample.value)}`)
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}

function familyOf(name: string, histograms: ReadonlySet<string>): string {
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (name.endsWith(suffix) && histograms.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length)
  }
  return name
}

function renderLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ''
  return `{${entries.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`
}

/** Label values escape backslash, double quote and line feed; help text escapes backslash and line feed. */
export function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}

function escapeHelp(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}
