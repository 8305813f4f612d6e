/** The contract shared by the Worker, the Durable Objects and the client SDK. Runtime-free. */
export * from './errors.js'
export * from './limits.js'
export * from './records.js'
export * from './topic-config.js'
export * from './topics.js'
export * from './validation.js'
export * from './groups.js'
