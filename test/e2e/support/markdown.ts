/**
 * Code blocks of the documentation, with the run marker each one carries: an HTML comment on the line
 * before the fence, `<!-- run: <kind> [name=value | name="value with spaces" | flag]... -->`. See
 * test/e2e/docs-examples.test.ts for the kinds and what each one does.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ROOT } from './project'

export interface CodeBlock {
  /** Path relative to the project root, e.g. `docs/queues.md`. */
  file: string
  /** 1-based line of the opening fence. */
  line: number
  lang: string
  code: string
  /** The marker's kind (`bash`, `node`, ...), or undefined when the block has none. */
  kind: string | undefined
  options: Record<string, string | true>
}

/** Fenced blocks that need no marker: pictures and plain text, never run. */
export const UNMARKED_LANGUAGES = new Set(['mermaid', 'text'])

const FENCE = /^(\s*)(`{3,})(\S*)\s*$/
const MARKER = /^\s*<!--\s*run:\s*(.*?)\s*-->\s*$/

export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n')
  const blocks: CodeBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!)
    if (!open) continue
    const [, indent = '', ticks = '```', lang = ''] = open
    const end = lines.findIndex((line, j) => j > i && line.trimEnd() === `${indent}${ticks}`)
    if (end < 0) throw new Error(`${file}:${i + 1}: code block is never closed`)
    const code = lines
      .slice(i + 1, end)
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
      .join('\n')
    let previous = i - 1
    while (previous >= 0 && lines[previous]!.trim() === '') previous--
    const marker = previous >= 0 ? MARKER.exec(lines[previous]!) : null
    const { kind, options } = marker ? parseMarker(marker[1]!) : { kind: undefined, options: {} }
    blocks.push({ file, line: i + 1, lang, code: `${code}\n`, kind, options })
    i = end
  }
  return blocks
}

/** `worker handler=queue messages=r2-put` → kind `worker`, options `{ handler: 'queue', messages: 'r2-put' }`. */
export function parseMarker(text: string): { kind: string; options: Record<string, string | true> } {
  const tokens = text.match(/[\w-]+(?:=(?:"[^"]*"|[^\s"]+))?/g) ?? []
  const [kind = '', ...rest] = tokens
  const options: Record<string, string | true> = {}
  for (const token of rest) {
    const eq = token.indexOf('=')
    if (eq < 0) options[token] = true
    else options[token.slice(0, eq)] = token.slice(eq + 1).replace(/^"(.*)"$/, '$1')
  }
  return { kind, options }
}

export const where = (block: CodeBlock) => `${block.file}:${block.line}`

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-')

/** Relative links of `file` (outside code blocks) whose file or heading anchor does not exist. */
export function brokenLinks(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '')
  const broken: string[] = []
  for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue
    const [path = '', anchor] = target.split('#')
    const linked = path === '' ? file : join(dirname(file), path)
    if (!existsSync(join(ROOT, linked))) broken.push(`${file}: ${target}: no such file`)
    else if (anchor !== undefined && linked.endsWith('.md')) {
      const headings = readFileSync(join(ROOT, linked), 'utf8')
        .split('\n')
        .filter((line) => /^#{1,6} /.test(line))
        .map((line) => anchorOf(line.replace(/^#+ /, '')))
      if (!headings.includes(anchor)) broken.push(`${file}: ${target}: no such heading`)
    }
  }
  return broken
}
