// Types `env` from 'cloudflare:test' as the example Worker's bindings.
import type { Env as ExampleEnv } from '../src/env'

declare global {
  namespace Cloudflare {
    interface Env extends ExampleEnv {}
  }
}
