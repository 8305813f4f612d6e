/** Hash routes (`#/topics/orders`): the page and its parameters, re-read when the hash changes. */
import { useEffect, useState } from 'preact/hooks'

export function currentPath(): string[] {
  return decodeURIComponent(location.hash.replace(/^#\/?/, '')).split('/').filter(Boolean)
}

export function useRoute(): string[] {
  const [path, setPath] = useState(currentPath)
  useEffect(() => {
    const changed = () => setPath(currentPath())
    addEventListener('hashchange', changed)
    return () => removeEventListener('hashchange', changed)
  }, [])
  return path
}

export function href(...segments: Array<string | number>): string {
  return `#/${segments.map((segment) => encodeURIComponent(String(segment))).join('/')}`
}

export function navigate(...segments: Array<string | number>): void {
  location.hash = href(...segments)
}
