/**
 * Three projects: `workers` runs inside workerd through the Cloudflare Vitest plugin (unit, Durable Object,
 * HTTP, in-Worker API and client tests); `e2e` runs in Node against the package packed from a fresh copy
 * of the tree and a real `wrangler dev` server; `example-r2` runs the examples/r2-events Worker with its own bindings (R2 and
 * Queues simulated by Miniflare).
 */
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        // The suite runs the Worker with AUTH_MODE=none, as `npm start` does; tests/security drive the
        // app with authentication on by passing their own env to it.
        // Request log lines are off (one per request would bury the output); test/monitoring turns them on where it checks them.
        plugins: [
          cloudflareTest({ wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings: { AUTH_MODE: 'none', REQUEST_LOGS: 'off' } } }),
        ],
        // kafkajs's documented examples import 'kafdo/kafkajs' as a user would; here that is the source.
        resolve: { alias: { 'kafdo/kafkajs': fileURLToPath(new URL('./kafkajs/index.ts', import.meta.url)) } },
        test: {
          name: 'workers',
          include: ['test/{unit,durable-objects,http,api,client,security,integrations,monitoring,kafkajs}/**/*.test.ts'],
          // Property tests run hundreds of requests; on a loaded 2-core CI machine 5 s is too tight for them.
          testTimeout: 30_000,
          // A local HTTP server the alert webhook tests deliver to.
          globalSetup: ['test/support/webhook-receiver.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          // Packs the package once from a fresh copy of the tree; the tests install that tarball.
          globalSetup: ['test/e2e/support/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
      {
        // Local R2 sends no event notifications, so the example sends them itself when told to. The consumer
        // settings repeat wrangler.toml's (an override replaces them all) but with a short batch timeout, so
        // tests see the Queue deliver without waiting a second per batch.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './examples/r2-events/wrangler.toml' },
            miniflare: {
              bindings: { AUTH_MODE: 'none', SIMULATE_R2_NOTIFICATIONS: 'true', REQUEST_LOGS: 'off' },
              queueConsumers: {
                'kafdo-r2-events': { maxBatchSize: 10, maxBatchTimeout: 0.05, maxRetries: 5, deadLetterQueue: 'kafdo-r2-events-dlq' },
              },
            },
          }),
        ],
        test: {
          name: 'example-r2',
          include: ['examples/r2-events/test/**/*.test.ts'],
        },
      },
    ],
  },
})
