/**
 * The layer rules (`.dependency-cruiser.cjs`, `npm run check:layers` in CI): the tree keeps them, and an
 * import that breaks one fails with the rule's name.
 */
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from './support/project'
import { PROJECT_NODE } from './support/wrangler'

const work = mkdtempSync(join(tmpdir(), 'kafdo-layers-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const cruise = (root: string) =>
  spawnSync(
    PROJECT_NODE,
    [
      join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'),
      'src',
      'client',
      'kafkajs',
      'integrations',
      '--config',
      '.dependency-cruiser.cjs',
    ],
    { cwd: root, encoding: 'utf8' },
  )

describe('Layers', () => {
  it('the tree keeps every rule', () => {
    const result = cruise(ROOT)
    expect(result.stdout + result.stderr).toContain('no dependency violations found')
    expect(result.status).toBe(0)
  })

  it.each([
    ['src/protocol/limits.ts', "import '../core/backoff.js'", 'protocol-imports-only-zod'],
    ['src/core/murmur2.ts', "import '../storage/timers.js'", 'core-has-no-runtime'],
    ['src/durable-objects/waiters.ts', "import '../services/topics.js'", 'objects-never-import-services-or-http'],
    ['client/http.ts', "import '../src/services/topics.js'", 'client-imports-only-the-contract'],
  ])('an import from %s breaking a rule fails, naming it (%s: %s)', (file, line, rule) => {
    const copy = join(work, rule)
    for (const dir of ['src', 'client', 'kafkajs', 'integrations']) cpSync(join(ROOT, dir), join(copy, dir), { recursive: true })
    for (const name of ['tsconfig.json', '.dependency-cruiser.cjs', 'package.json']) cpSync(join(ROOT, name), join(copy, name))
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir')
    appendFileSync(join(copy, file), `\n${line}\n`)
    const result = cruise(copy)
    expect(result.status).not.toBe(0)
    expect(result.stdout).toContain(`error ${rule}: ${file}`)
  })
})
