/** Test helpers for live streams: read SSE events off a response body, and frames off a WebSocket. */
import { SELF } from 'cloudflare:test'
import { SseParser, type SseEvent } from '../../src/core/sse'

/** Reads a text/event-stream body event by event. Every wait is bounded, so a missing event fails the test. */
export class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>
  readonly #decoder = new TextDecoder()
  readonly #parser = new SseParser()
  readonly #events: SseEvent[] = []
  /** Everything read, comments included. */
  text = ''
  ended = false

  constructor(response: Response) {
    this.#reader = response.body!.getReader()
  }

  /** The next `count` events of type `event` (others are skipped). */
  async take(count: number, event = 'record', timeoutMs = 10_000): Promise<SseEvent[]> {
    const taken: SseEvent[] = []
    const deadline = Date.now() + timeoutMs
    while (taken.length < count) {
      const next = this.#events.shift()
      if (next) {
        if (next.event === event) taken.push(next)
        continue
      }
      if (this.ended) throw new Error(`the stream ended after ${taken.length} of ${count} '${event}' events:\n${this.text}`)
      await this.#read(deadline, `${count} '${event}' events (got ${taken.length})`)
    }
    return taken
  }

  /** Reads until `text` holds what `until` looks for. */
  async readUntil(until: (text: string) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!until(this.text)) {
      if (this.ended) throw new Error(`the stream ended:\n${this.text}`)
      await this.#read(deadline, 'the expected text')
    }
  }

  async #read(deadline: number, what: string): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`waited in vain for ${what}:\n${this.text}`)), Math.max(1, deadline - Date.now()))
    })
    try {
      const { value, done } = await Promise.race([this.#reader.read(), timeout])
      if (done) {
        this.ended = true
        return
      }
      const chunk = this.#decoder.decode(value, { stream: true })
      this.text += chunk
      this.#events.push(...this.#parser.push(chunk))
    } finally {
      clearTimeout(timer)
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {})
  }
}

export async function openStream(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`http://kafdo.test${path}`, { headers })
}

/** A WebSocket to the Worker, its frames queued as they arrive. */
export class SocketReader {
  readonly socket: WebSocket
  readonly #frames: any[] = []
  closed: { code: number; reason: string } | undefined

  constructor(socket: WebSocket) {
    this.socket = socket
    socket.addEventListener('message', (event) => {
      this.#frames.push(JSON.parse(event.data as string))
    })
    socket.addEventListener('close', (event) => {
      this.closed = { code: event.code, reason: event.reason }
    })
    socket.accept()
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message))
  }

  /** The next frame matching `match` (frames before it that do not match are dropped). */
  async next(match: (frame: any) => boolean = () => true, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.#frames.findIndex(match)
      if (index >= 0) return this.#frames.splice(0, index + 1)[index]
      if (this.closed) throw new Error(`the socket closed (${this.closed.code} ${this.closed.reason}) before the frame came`)
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.#frames).slice(0, 500)}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  /** Waits for the close, bounded. */
  async closing(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the socket did not close')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return this.closed
  }

  close(): void {
    try {
      this.socket.close(1000, 'done')
    } catch {
      // already closed
    }
  }
}

/** Opens `/topics/:t/ws` (with `query`); the response when it is not an upgrade. */
export async function openSocket(path: string, headers: Record<string, string> = {}): Promise<SocketReader | Response> {
  const response = await SELF.fetch(`http://kafdo.test${path}`, { headers: { upgrade: 'websocket', ...headers } })
  return response.webSocket ? new SocketReader(response.webSocket) : response
}
