/** How figures read on the page. */

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : n.toLocaleString('en')
}

export function rate(perSecond: number | undefined): string {
  if (perSecond === undefined) return 'measuring…'
  return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond).toLocaleString('en')}/s`
}

export function time(epochMs: number | null | undefined): string {
  if (!epochMs) return '–'
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–'
  if (ms < 1000) return `${ms} ms`
  const s = Math.round(ms / 1000)
  if (s < 120) return `${s} s`
  const m = Math.round(s / 60)
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`
}

/** A record value as text: pretty JSON, or a base64 payload as it is. */
export function valueText(value: unknown, encoding: string | undefined): string {
  if (encoding === 'base64') return String(value)
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2)
}
