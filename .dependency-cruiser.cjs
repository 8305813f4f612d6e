/**
 * The layer rules (docs/architecture.md), checked by `npm run check:layers` in CI. A violation prints the
 * rule's name and the import that breaks it.
 *
 *   protocol/  the contract: zod schemas and the types inferred from them; imports nothing but zod
 *   core/      pure functions and state machines over protocol/ types; no runtime, no storage, no I/O
 *   storage/   typed SQL over a Durable Object's SQLite
 *   durable-objects/  thin RPC classes over storage/ and core/; never http/ or services/
 *   services/  what a request does, over the Durable Objects' stubs
 *   http/, api/  the edges: Hono routes, and the in-Worker APIs
 *   client/, kafkajs/ (HTTP side), integrations/  users of the public API
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-imports-only-zod',
      comment: 'protocol/ is the contract every side shares: zod schemas and types, nothing with a runtime.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { pathNot: ['^src/protocol/', '^node_modules/zod/'] },
    },
    {
      name: 'core-has-no-runtime',
      comment: 'core/ is pure: it imports protocol/ and itself (and pure libraries), never storage, objects, services or the Workers runtime.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: ['^src/core/', '^src/protocol/', '^node_modules/(zod|@cfworker/json-schema)/'] },
    },
    {
      name: 'storage-never-imports-objects',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/(durable-objects|services|http|api)/' },
    },
    {
      name: 'objects-never-import-services-or-http',
      comment:
        'A Durable Object is reached by RPC; it never calls back up into request handling. What an object reads of ' +
        'other objects (the tenant monitor reads the health figures GET /health/... answers) goes through ' +
        'object-calls.ts and figure-reads.ts, below services/.',
      severity: 'error',
      from: { path: '^src/durable-objects/' },
      to: { path: '^src/(http|services|api)/' },
    },
    {
      name: 'services-never-import-http',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/(http|api)/' },
    },
    {
      name: 'client-imports-only-the-contract',
      comment: 'kafdo/client runs anywhere: it imports protocol/, pure core/ modules and its own files.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^src/', pathNot: ['^src/protocol/', '^src/core/', '^src/version[.]ts$'] },
    },
    {
      name: 'integrations-use-the-public-api',
      comment: 'Integrations are written as a user would: the in-Worker API, the contract, pure core/.',
      severity: 'error',
      // Exception: the event writer writes each event with a producer id derived from the event's id (its
      // exactly-once rule), which the public in-Worker producer, with one random producer id, does not offer.
      from: { path: '^integrations/', pathNot: '^integrations/internal/event-writer[.]ts$' },
      to: { path: '^src/', pathNot: ['^src/api/', '^src/protocol/', '^src/core/', '^src/env[.]ts$'] },
    },
    {
      name: 'kafkajs-over-http-imports-no-worker-code',
      comment: "kafdo/kafkajs's HTTP side runs in any JavaScript runtime; only its Worker transport reaches the Worker's code.",
      severity: 'error',
      from: { path: '^kafkajs/', pathNot: '^kafkajs/env-transport[.]ts$' },
      to: { path: '^src/', pathNot: ['^src/protocol/', '^src/core/', '^src/version[.]ts$', '^src/env[.]ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|bench|dist|dist-worker|ui|examples|scripts)/' },
  },
}
