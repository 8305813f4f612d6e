/** `kafdo keys create|list|revoke`: API keys, over `client.admin()`. A created key is printed once. */
import type { Command } from 'commander'
import { collect, contextOf } from '../context.js'
import { emit, formatTime, table, UsageError } from '../output.js'

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('API keys of the tenant')

  keys
    .command('create <name>')
    .description('create an API key; its secret is printed this once')
    .requiredOption('-p, --permission <permission>', 'a permission (produce@orders.*) or role name (repeatable)', collect)
    .option('--expires-in <duration>', 'expire after this long: 3600, 90m, 12h, 30d')
    .action(async (name: string, options: { permission: string[]; expiresIn?: string }, command: Command) => {
      const { client, output } = contextOf(command)
      const expiresInSeconds = options.expiresIn === undefined ? undefined : seconds(options.expiresIn)
      const key = await client.admin().createApiKey({ name, permissions: options.permission, ...(expiresInSeconds ? { expiresInSeconds } : {}) })
      emit(output, key, (k) =>
        [`created API key ${k.name} (${k.keyId}) with ${k.permissions.join(', ')}`, `key: ${k.key}`, 'store it now: it is not shown again'].join(
          '\n',
        ),
      )
    })

  keys
    .command('list')
    .description('the API keys (never their secrets), revoked and expired ones included')
    .action(async (_options, command: Command) => {
      const { client, output } = contextOf(command)
      const listed = await client.admin().listApiKeys()
      emit(output, { keys: listed }, ({ keys }) =>
        table(
          ['key id', 'name', 'permissions', 'created', 'expires', 'status'],
          keys.map((k) => [
            k.keyId,
            k.name,
            k.permissions.join(','),
            formatTime(k.createdAt),
            formatTime(k.expiresAt),
            k.revokedAt !== null ? 'revoked' : k.expiresAt !== null && k.expiresAt <= Date.now() ? 'expired' : 'live',
          ]),
        ),
      )
    })

  keys
    .command('revoke <keyId>')
    .description('revoke a key (within 30 s no request authenticates with it)')
    .action(async (keyId: string, _options, command: Command) => {
      const { client, output } = contextOf(command)
      await client.admin().revokeApiKey(keyId)
      emit(output, { keyId, revoked: true }, () => `revoked API key ${keyId}`)
    })
}

function seconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim())
  if (!match) throw new UsageError(`--expires-in takes seconds or a number with s, m, h or d (90m, 30d), got '${text}'`)
  return Number(match[1]) * UNITS[match[2] || 's']!
}
