/**
 * `kafdo apply -f kafdo.yaml`: reads a YAML or JSON document, checks it locally, posts it to
 * `POST /admin/apply` (through `client.admin().apply`), and prints the plan or what was applied as a diff:
 * `+` create, `~` update, `-` delete, `=` unchanged, `!` refused, coloured only on a terminal. Exits 1 when
 * anything was refused or failed, also for a dry run, so CI can gate on it.
 */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { parse as parseYaml } from 'yaml'
import { KafdoError } from '../../../src/protocol/errors.js'
import { parseApplyDocument, type ApplyChange, type ApplyDocument, type ApplyItem, type ApplyResult } from '../../../src/protocol/apply.js'
import { contextOf } from '../context.js'
import { paint, printJson, ReportedFailure, UsageError, type Output } from '../output.js'

interface ApplyFlags {
  file: string
  dryRun?: boolean
  prune?: boolean
  rotateKeys?: boolean
}

export function applyCommand(program: Command): void {
  program
    .command('apply')
    .description('make the tenant what a declarative document (YAML or JSON) says: topics, queues, schemas, quotas, API keys, webhooks, group health')
    .requiredOption('-f, --file <path>', "the document ('-' for stdin)")
    .option('--dry-run', 'print the plan (create / update / unchanged / would delete) and change nothing')
    .option('--prune', 'delete what the sections present do not list (never without this flag)')
    .option('--rotate-keys', 'revoke and re-create an API key whose declared permissions changed (else refused)')
    .action(async (options: ApplyFlags, command: Command) => {
      const { client, output, settings } = contextOf(command)
      const document = readDocument(options.file)
      parseApplyDocument(document)
      let result: ApplyResult
      try {
        result = await client.admin().apply(document as ApplyDocument, {
          dryRun: options.dryRun === true,
          prune: options.prune === true,
          rotateKeys: options.rotateKeys === true,
        })
      } catch (err) {
        const refused = err instanceof KafdoError ? (err.details?.result as ApplyResult | undefined) : undefined
        if (refused === undefined) throw err
        if (output.format === 'json') printJson(output, refused)
        else output.out(renderResult(output, refused, settings.url))
        throw err
      }
      if (output.format === 'json') printJson(output, result)
      else output.out(renderResult(output, result, settings.url))
      if (result.status === 'refused') throw new ReportedFailure('the plan has refusals')
    })
}

function readDocument(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  try {
    // YAML 1.2 is a superset of JSON: one parser reads both.
    return parseYaml(text, { prettyErrors: false }) ?? {}
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`)
  }
}

const MARKS = { create: '+', update: '~', delete: '-', unchanged: '=' } as const
const COLORS = { create: 'green', update: 'yellow', delete: 'red', unchanged: 'dim' } as const

export function renderResult(output: Output, result: ApplyResult, url: string): string {
  const lines = result.items.map((item) => renderItem(output, item, result.dryRun))
  const s = result.summary
  const counts = `${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged`
  const verdict = {
    planned: `plan for tenant ${result.tenant} at ${url} (dry run: nothing changed): ${counts}`,
    refused: `${s.refused} refused: nothing was applied (${counts})`,
    applied: `applied to tenant ${result.tenant}: ${s.applied} change(s) made, ${s.unchanged} unchanged`,
    incomplete: `incomplete: ${s.applied} change(s) made, ${s.failed} failed; apply again to retry what failed`,
  }[result.status]
  const colour = result.status === 'refused' || result.status === 'incomplete' ? 'red' : 'bold'
  return [...lines, '', paint(output, colour, verdict)].join('\n')
}

function renderItem(output: Output, item: ApplyItem, dryRun: boolean): string {
  const action = item.action === 'delete' && dryRun ? 'would delete' : item.action
  const outcome = item.outcome === 'failed' ? ' FAILED' : ''
  const head = `${MARKS[item.action]} ${item.kind} ${item.name} (${action})${outcome}`
  const lines = [paint(output, item.refusal || item.outcome === 'failed' ? 'red' : COLORS[item.action], head)]
  for (const change of item.changes) lines.push(`    ${renderChange(change)}`)
  if (item.refusal) lines.push(paint(output, 'red', `    ! refused: ${item.refusal.code}: ${item.refusal.message}`))
  if (item.error) lines.push(paint(output, 'red', `    ! ${item.error.code}: ${item.error.message}`))
  if (item.note) lines.push(`    ${item.note}`)
  if (item.secret) {
    const shown =
      'keyId' in item.secret ? `key ${item.secret.keyId}: ${item.secret.key}` : `webhook ${item.secret.webhookId} secret: ${item.secret.secret}`
    lines.push(paint(output, 'cyan', `    ${shown}  (store it now: it is not shown again)`))
  }
  return lines.join('\n')
}

function renderChange(change: ApplyChange): string {
  const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))
  if (!('from' in change)) return `${change.field}: ${show(change.to)}`
  if (!('to' in change)) return `${change.field}: ${show(change.from)} (removed)`
  return `${change.field}: ${show(change.from)} -> ${show(change.to)}`
}
