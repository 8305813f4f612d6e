/**
 * `POST /admin/apply`: declarative configuration. The body is the document `kafdo apply` reads (JSON);
 * the answer is the plan (`?dryRun=true`) or what was applied. Everything is planned and every permission
 * checked before anything changes: a refusal (a lowered partition count, an unknown config key, an
 * incompatible schema, a quota the plan would exceed, a missing permission) stops the apply with the whole
 * plan in the error's `details.result`. Then only the differences are applied, each audited as its own
 * route audits it, and a step that fails is reported beside those that were made.
 *
 * A dry run needs only read permissions (`topic:read` on what it reads, `apikey:admin` for keys, `admin`
 * for quotas, `webhook:admin` for webhooks, `group:read` for groups); applying needs, per item, what the
 * route making that change needs.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { readPermission, writePermission } from '../core/apply/permissions.js'
import { planApply, type PlannedItem } from '../core/apply/plan.js'
import { parseApplyDocument, summarizeApply, type ApplyItem, type ApplyResult, type CheckedApplyDocument } from '../protocol/apply.js'
import { KafdoError, type ErrorPayload } from '../protocol/errors.js'
import { topicOfSubject } from '../protocol/schemas.js'
import { keyPermissionProblem } from '../services/api-keys.js'
import { executeStep, readCurrentState } from '../services/apply.js'
import { authConfig } from './auth/config.js'
import { audited, authorize, visible } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import * as routes from './routes/apply.js'
import { query, rawJsonBody } from './validate.js'

export const applyRoutes = new OpenAPIHono<AppEnv>()

serve(applyRoutes, routes.apply, async (c) => {
  const flags = query(c, routes.apply)
  const dryRun = flags.dryRun === 'true'
  const prune = flags.prune === 'true'
  // Checked against the route's schema, after naming an unknown section as such.
  const document = parseApplyDocument(await rawJsonBody(c))
  await authorizeSections(c, document)
  const tenant = c.get('tenant')
  const principal = c.get('principal')
  const current = await readCurrentState(c.env, tenant, document)
  const plan = planApply(document, current, {
    prune,
    rotateKeys: flags.rotateKeys === 'true',
    mayPrune: (kind, name) => {
      // Keys and webhooks are tenant-wide: reading the section (apikey:admin, webhook:admin) sees them all.
      if (kind === 'apiKey' || kind === 'webhook') return true
      if (kind === 'group') return visible(c, 'group:read', [name], (n) => n).length > 0
      return visible(c, 'topic:read', [kind === 'schema' ? topicOfSubject(name) : name], (n) => n).length > 0
    },
    ...(principal.keyId !== undefined ? { callerKeyId: principal.keyId } : {}),
    keyPermissionProblem: (permissions) => keyPermissionProblem(principal.grants, permissions, authConfig(c.env).roles),
  })
  for (const { item } of plan) await checkPermissions(c, item, dryRun)
  const result = (status: ApplyResult['status']): ApplyResult => {
    const items = plan.map((p) => p.item)
    return { tenant, dryRun, prune, status, summary: summarizeApply(items), items }
  }
  const refused = plan.filter((p) => p.item.refusal !== undefined).map((p) => p.item)
  if (dryRun) return c.json(result(refused.length > 0 ? 'refused' : 'planned'))
  if (refused.length > 0) throw refusal(refused, result('refused'))

  for (const planned of plan) if (planned.step) await execute(c, planned)
  const failed = plan.filter((p) => p.item.outcome === 'failed').map((p) => p.item)
  if (failed.length === 0) return c.json(result('applied'))
  const first = failed[0]!
  const applied = plan.filter((p) => p.item.outcome === 'applied').length
  throw new KafdoError(
    first.error!.code,
    `apply incomplete: ${applied} change(s) applied, ${failed.length} failed (first: ${first.kind} '${first.name}': ${first.error!.message}); apply again to retry what failed`,
    { result: result('incomplete') },
  )
})

/** The tenant-wide read permission of each section the document has, as the section's list route needs. */
async function authorizeSections(c: Context<AppEnv>, document: CheckedApplyDocument): Promise<void> {
  if (document.topics !== undefined || document.queues !== undefined || document.schemas !== undefined) await authorize(c, 'topic:read')
  if (document.apiKeys !== undefined) await authorize(c, 'apikey:admin')
  if (document.quotas !== undefined) await authorize(c, 'admin')
  if (document.webhooks !== undefined) await authorize(c, 'webhook:admin')
  if (document.groups !== undefined) await authorize(c, 'group:read')
}

/** A missing permission (or a reserved name) makes the item a refusal; `authorize` audits the denial. */
async function checkPermissions(c: Context<AppEnv>, item: ApplyItem, dryRun: boolean): Promise<void> {
  const write = dryRun ? undefined : writePermission(item)
  for (const need of [readPermission(item), ...(write ? [write] : [])]) {
    try {
      await authorize(c, need.action, need.resource)
    } catch (err) {
      if (!(err instanceof KafdoError)) throw err
      item.refusal ??= err.toPayload()
      return
    }
  }
}

function refusal(refused: ApplyItem[], result: ApplyResult): KafdoError {
  const forbidden = refused.find((item) => item.refusal!.code === 'FORBIDDEN')
  const first = forbidden ?? refused[0]!
  const message = `${refused.length} item(s) refused, nothing was applied (first: ${first.kind} '${first.name}': ${first.refusal!.message})`
  return new KafdoError(forbidden ? 'FORBIDDEN' : 'POLICY_VIOLATION', message, {
    ...(forbidden?.refusal?.details?.missing !== undefined ? { missing: forbidden.refusal.details.missing } : {}),
    result,
  })
}

async function execute(c: Context<AppEnv>, { item, step }: PlannedItem): Promise<void> {
  const principal = c.get('principal')
  try {
    const outcome = await executeStep(c.env, c.get('tenant'), step!, { creator: principal, roles: authConfig(c.env).roles })
    for (const entry of outcome.audit) await audited(c, entry.action, entry.target, { ...entry.details, via: 'apply' })
    if (outcome.secret) item.secret = outcome.secret
    item.outcome = outcome.failure === undefined ? 'applied' : 'failed'
    if (outcome.failure !== undefined) item.error = payloadOf(c, outcome.failure)
  } catch (err) {
    item.outcome = 'failed'
    item.error = payloadOf(c, err)
  }
}

function payloadOf(c: Context<AppEnv>, err: unknown): ErrorPayload {
  if (err instanceof KafdoError) return err.toPayload()
  const message = err instanceof Error ? err.message : String(err)
  console.error(JSON.stringify({ level: 'error', requestId: c.get('requestId'), path: c.req.path, error: message }))
  return { code: 'INTERNAL_ERROR', message: `internal error (request id ${c.get('requestId')})` }
}
