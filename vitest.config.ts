/**
 * Two projects: `workers` runs inside workerd through the Cloudflare Vitest plugin (unit, Durable Object,
 * HTTP, in-Worker API and client tests); `e2e` runs in Node against the built package and a real
 * `wrangler dev` server.
 */
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        // The suite runs the Worker with AUTH_MODE=none, as `npm start` does; tests/security drive the
        // app with authentication on by passing their own env to it.
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings: { AUTH_MODE: 'none' } } })],
        test: {
          name: 'workers',
          include: ['test/{unit,durable-objects,http,api,client,security,integrations}/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
})
