/**
 * A real headless Chromium for the dashboard tests: Debian's `chromium` package (`.ci/run` installs it),
 * driven by playwright-core with its executable path, a fresh profile each run, and the background
 * services that would reach for the network turned off (the machine has none).
 */
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { ROOT } from './project'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Where screenshots go: test-results/ (ignored by git), kept by CI as artifacts. */
export const SCREENSHOTS = join(ROOT, 'test-results', 'dashboard')

export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium), as .ci/run does`)
  mkdirSync(SCREENSHOTS, { recursive: true })
  const profile = mkdtempSync(join(tmpdir(), 'kafdo-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
