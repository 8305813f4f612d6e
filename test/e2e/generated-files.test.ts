/**
 * The Grafana dashboard, the OpenAPI document, Swagger UI's assets and the /ui bundle are generated
 * (`npm run generate`) and committed; CI's `npm run check:generated` fails when a committed copy is
 * stale. Each is checked here: the copy in the tree is current, and a change without regenerating is caught.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { METRICS } from '../../src/protocol/metric-catalogue'
import { ROOT } from './support/project'
import { PROJECT_NODE } from './support/wrangler'

const work = mkdtempSync(join(tmpdir(), 'kafdo-generated-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const check = (root: string) => spawnSync(PROJECT_NODE, [join(root, 'scripts/generate-grafana.mjs'), '--check'], { encoding: 'utf8' })

describe('Generated files > the metric names in the docs', () => {
  it('names every metric of the catalogue in docs/monitoring.md, and none that is not in it', () => {
    const doc = readFileSync(join(ROOT, 'docs/monitoring.md'), 'utf8')
    expect(METRICS.map((m) => m.name).filter((name) => !doc.includes(`\`${name}\``))).toEqual([])
    const named = new Set([...doc.matchAll(/`(kafdo_[a-z_]+)`/g)].map((m) => m[1]!))
    const known = new Set<string>(METRICS.map((m) => m.name))
    expect([...named].filter((name) => !known.has(name) && !known.has(name.replace(/_(bucket|sum|count)$/, '')))).toEqual([])
  })
})

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

describe('Generated files > the OpenAPI document and the Swagger UI assets', () => {
  const generate = (root: string, ...args: string[]) =>
    spawnSync(PROJECT_NODE, ['--import', join(root, 'scripts/ts-resolve.mjs'), join(root, 'scripts/generate-openapi.mjs'), ...args], {
      encoding: 'utf8',
    })

  it('are current in the tree', () => {
    const result = generate(ROOT, '--check')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('are reported stale when a route definition changes without regenerating, and regenerating fixes it', () => {
    const copy = join(work, 'openapi-copy')
    for (const dir of ['src', 'scripts', 'openapi']) cpSync(join(ROOT, dir), join(copy, dir), { recursive: true })
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'))
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'))
    const routes = join(copy, 'src/http/routes/records.ts')
    writeFileSync(routes, readFileSync(routes, 'utf8').replace("summary: 'Produce one record'", "summary: 'Write one record'"))
    const assets = join(copy, 'src/http/openapi/swagger-ui-assets.ts')
    writeFileSync(assets, readFileSync(assets, 'utf8').replace(/SWAGGER_UI_VERSION = '[^']*'/, "SWAGGER_UI_VERSION = '0.0.0'"))

    const stale = generate(copy, '--check')
    expect(stale.status).toBe(1)
    expect(stale.stderr).toContain('openapi/kafdo.openapi.json is stale')
    expect(stale.stderr).toContain('src/http/openapi/swagger-ui-assets.ts is stale')
    expect(generate(copy).status).toBe(0)
    expect(readFileSync(join(copy, 'openapi/kafdo.openapi.json'), 'utf8')).toContain('"summary": "Write one record"')
    expect(generate(copy, '--check').status).toBe(0)
  })
})

describe('Generated files > the dashboard bundle', () => {
  const build = (root: string, ...args: string[]) => spawnSync(PROJECT_NODE, [join(root, 'scripts/build-ui.mjs'), ...args], { encoding: 'utf8' })

  it('is current in the tree', () => {
    const result = build(ROOT, '--check')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('is reported stale when ui/ changes without rebuilding it, and rebuilding fixes it', () => {
    const copy = join(work, 'ui-copy')
    for (const dir of ['scripts', 'ui', 'src/http', 'src/protocol']) cpSync(join(ROOT, dir), join(copy, dir), { recursive: true })
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir')
    const page = join(copy, 'ui/src/pages/login.tsx')
    writeFileSync(page, readFileSync(page, 'utf8').replace('API key or token', 'Key or token'))
    const stale = build(copy, '--check')
    expect(stale.status).toBe(1)
    expect(stale.stderr).toContain('src/http/ui-assets.generated.ts is stale')
    expect(build(copy).status).toBe(0)
    expect(readFileSync(join(copy, 'src/http/ui-assets.generated.ts'), 'utf8')).toContain('Key or token')
    expect(build(copy, '--check').status).toBe(0)
  })
})
