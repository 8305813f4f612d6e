/**
 * Once per e2e run: packs the package from a fresh copy of the tree, as `npm pack` on a fresh clone would
 * (prepack builds dist/), and hands the tarball's path to the tests through `inject('kafdoTarball')`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { freshCopy, pack } from './project'

declare module 'vitest' {
  export interface ProvidedContext {
    kafdoTarball: string
  }
}

export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(join(tmpdir(), 'kafdo-pack-'))
  project.provide('kafdoTarball', pack(freshCopy(join(work, 'clone')), work))
  return () => rmSync(work, { recursive: true, force: true })
}
