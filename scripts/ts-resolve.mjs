// `node --import ./scripts/ts-resolve.mjs script.mjs`: lets a script import the Worker's TypeScript as is
// (Node 22.18+ strips the types), resolving the sources' `./x.js` imports to `./x.ts` as tsc and the
// bundlers do. Used by scripts/generate-openapi.mjs, which builds the app to describe it.
import { register } from 'node:module'

register(
  `data:text/javascript,${encodeURIComponent(`
    import { existsSync } from 'node:fs'
    import { fileURLToPath } from 'node:url'
    export async function resolve(specifier, context, next) {
      if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
        const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL)
        if (existsSync(fileURLToPath(url))) return next(url.href, context)
      }
      return next(specifier, context)
    }
  `)}`,
)
