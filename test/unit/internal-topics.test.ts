import { describe, expect, it } from 'vitest'
import { internalTopicRefusal, permissionNeeded } from '../../src/core/internal-topics'

describe('internal topics > rules', () => {
  it('refuses writing to or creating an internal topic, whoever asks', () => {
    expect(internalTopicRefusal('produce', '__audit')).toEqual({
      code: 'FORBIDDEN',
      message: "topic '__audit' is internal: only Kafdo writes to it",
      details: { topic: '__audit', reason: 'internal topic' },
    })
    expect(internalTopicRefusal('topic:create', '__mine')).toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION', details: { topic: '__mine' } })
    expect(internalTopicRefusal('produce', 'orders')).toBeUndefined()
    expect(internalTopicRefusal('topic:create', '_single')).toBeUndefined()
    expect(internalTopicRefusal('consume', '__audit')).toBeUndefined()
  })

  it('needs platform:admin to delete or reconfigure an internal topic, and admin for the rest', () => {
    expect(permissionNeeded('topic:delete', '__audit')).toBe('platform:admin')
    expect(permissionNeeded('topic:config', '__audit')).toBe('platform:admin')
    expect(permissionNeeded('consume', '__audit')).toBe('admin')
    expect(permissionNeeded('topic:read', '__audit')).toBe('admin')
    expect(permissionNeeded('topic:delete', 'orders')).toBe('topic:delete')
    expect(permissionNeeded('admin')).toBe('admin')
  })
})
