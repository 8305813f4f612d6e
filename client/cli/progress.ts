/**
 * A progress line for long-running commands, drawn on stderr only when stderr is a terminal: never in
 * pipes, files or CI logs. With a known total it is a bar; without one (a stream), counts and a rate.
 */
import { formatBytes } from './output.js'

const WIDTH = 24
const REDRAW_MS = 100

export interface ProgressState {
  records: number
  bytes: number
  /** How far through the input, 0..1, when its size is known. */
  fraction?: number
}

export class Progress {
  readonly #enabled: boolean
  readonly #stream: NodeJS.WriteStream
  readonly #started = Date.now()
  #lastDraw = 0
  #drawn = false

  constructor(enabled: boolean, stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream
    this.#enabled = enabled && Boolean(stream.isTTY)
  }

  get enabled(): boolean {
    return this.#enabled
  }

  update(state: ProgressState, force = false): void {
    if (!this.#enabled) return
    const now = Date.now()
    if (!force && now - this.#lastDraw < REDRAW_MS) return
    this.#lastDraw = now
    this.#drawn = true
    this.#stream.write(`\r\u001b[K${renderProgress(state, now - this.#started)}`)
  }

  /** Erases the line, so the summary printed next stands alone. */
  done(): void {
    if (this.#enabled && this.#drawn) this.#stream.write('\r\u001b[K')
  }
}

export function renderProgress(state: ProgressState, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? Math.round((state.records * 1000) / elapsedMs) : 0
  const counts = `${state.records} records  ${formatBytes(state.bytes)}  ${rate} records/s`
  if (state.fraction === undefined) return `producing: ${counts}`
  const fraction = Math.min(1, Math.max(0, state.fraction))
  const filled = Math.round(fraction * WIDTH)
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${counts}`
}
