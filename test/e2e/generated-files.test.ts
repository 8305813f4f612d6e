/**
 * The Grafana dashboard is generated from the metric catalogue (`npm run generate`) and committed; CI's
 * `npm run check:generated` fails when the committed copy is stale. Both are checked here: the copy in
 * the tree is current, and a catalogue change without regenerating is caught.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from './support/project'
import { PROJECT_NODE } from './support/wrangler'

const work = mkdtempSync(join(tmpdir(), 'kafdo-generated-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const check = (root: string) => spawnSync(PROJECT_NODE, [join(root, 'scripts/generate-grafana.mjs'), '--check'], { encoding: 'utf8' })

describe('Generated files > the Grafana dashboard', () => {
  it('is current in the tree', () => {
    const result = check(ROOT)
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('is reported stale when a metric changes without regenerating it, and regenerating fixes it', () => {
    for (const dir of ['scripts', 'src/protocol', 'dashboards']) mkdirSync(join(work, dir), { recursive: true })
    cpSync(join(ROOT, 'scripts/generate-grafana.mjs'), join(work, 'scripts/generate-grafana.mjs'))
    cpSync(join(ROOT, 'dashboards/kafdo-grafana.json'), join(work, 'dashboards/kafdo-grafana.json'))
    const catalogue = readFileSync(join(ROOT, 'src/protocol/metric-catalogue.ts'), 'utf8')
    writeFileSync(join(work, 'src/protocol/metric-catalogue.ts'), catalogue.replace("'kafdo_group_total_lag'", "'kafdo_group_lag_sum'"))
    const stale = check(work)
    expect(stale.status).toBe(1)
    expect(stale.stderr).toContain('dashboards/kafdo-grafana.json is stale')
    expect(spawnSync(PROJECT_NODE, [join(work, 'scripts/generate-grafana.mjs')], { encoding: 'utf8' }).status).toBe(0)
    expect(readFileSync(join(work, 'dashboards/kafdo-grafana.json'), 'utf8')).toContain('kafdo_group_lag_sum')
    expect(check(work).status).toBe(0)
  })
})
