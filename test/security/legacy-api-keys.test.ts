/** Keys of the form minted before keys named their tenant, in a deployment that never had any. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ClusterMetadataDO } from '../../src/durable-objects/cluster-metadata'
import { authEnv, call } from './support'

afterEach(() => vi.restoreAllMocks())

describe('Security > API keys of the older form', () => {
  it('are refused without asking the directory again once it said the deployment has none', async () => {
    const appEnv = authEnv()
    const asked = vi.spyOn(ClusterMetadataDO.prototype, 'legacyKeyTenant')
    for (const id of ['0123456789abcdef', 'fedcba9876543210', '00112233445566ff']) {
      const answer = await call(appEnv, 'GET', '/admin/topics', { headers: { 'x-api-key': `kfd_${id}_${'A'.repeat(43)}` } })
      expect(answer.status).toBe(401)
      expect(answer.body.error.details.reason).toBe('unknown API key')
    }
    expect(asked).toHaveBeenCalledTimes(1)
  })
})
