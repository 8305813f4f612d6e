// Types `env` from 'cloudflare:test' as the Worker's bindings.
import type { KafdoEnv } from '../../src/env'

declare global {
  namespace Cloudflare {
    interface Env extends KafdoEnv {}
  }
}
