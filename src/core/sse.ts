/**
 * Server-Sent Events (the WHATWG `text/event-stream` format): events written by the Worker, and a
 * parser for readers that cannot use `EventSource` (kafdo/client reads the stream with fetch, so it can
 * send an Authorization header and resume with `Last-Event-ID`). The parser follows the spec's
 * interpretation rules: CR, LF or CRLF end lines, a leading space after the colon is dropped, comment
 * lines start with a colon, an `id` containing NUL is ignored, and a blank line dispatches.
 */

export interface SseEvent {
  /** `message` unless the event names another type. */
  event: string
  data: string
  /** The last event id seen so far on the stream (the id a reconnect sends as `Last-Event-ID`). */
  id: string | undefined
}

/** One event, ready to write. Data lines are split so a value holding newlines stays one event. */
export function formatEvent(event: { id?: string; event?: string; data: string; retry?: number }): string {
  let text = ''
  if (event.retry !== undefined) text += `retry: ${event.retry}\n`
  if (event.id !== undefined) text += `id: ${event.id}\n`
  if (event.event !== undefined) text += `event: ${event.event}\n`
  for (const line of event.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`
  return `${text}\n`
}

/** A comment line: ignored by readers, and keeps an idle connection open. */
export function formatComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`
}

export class SseParser {
  #buffer = ''
  #data: string[] = []
  #event = ''
  #lastId: string | undefined
  #sawCr = false
  /** The reconnection time the stream asked for (`retry:`), if any. */
  retry: number | undefined

  constructor(lastEventId?: string) {
    this.#lastId = lastEventId
  }

  get lastEventId(): string | undefined {
    return this.#lastId
  }

  /** Takes the next chunk of text and returns the events it completed. */
  push(chunk: string): SseEvent[] {
    let text = chunk
    // A CRLF split across chunks: the LF belongs to the line the CR ended.
    if (this.#sawCr && text.startsWith('\n')) text = text.slice(1)
    this.#sawCr = text.endsWith('\r')
    this.#buffer += text
    const events: SseEvent[] = []
    for (;;) {
      const end = this.#buffer.search(/\r\n|\r|\n/)
      if (end < 0) break
      const line = this.#buffer.slice(0, end)
      const width = this.#buffer.startsWith('\r\n', end) ? 2 : 1
      this.#buffer = this.#buffer.slice(end + width)
      const event = this.#line(line)
      if (event) events.push(event)
    }
    return events
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch()
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.#data.push(value)
    else if (field === 'event') this.#event = value
    else if (field === 'id' && !value.includes('\0')) this.#lastId = value
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value)
    return undefined
  }

  #dispatch(): SseEvent | undefined {
    const data = this.#data
    const event = this.#event
    this.#data = []
    this.#event = ''
    if (data.length === 0) return undefined
    return { event: event || 'message', data: data.join('\n'), id: this.#lastId }
  }
}
