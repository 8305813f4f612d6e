import { describe, expect, it } from 'vitest'
import { covers, grantsFrom, isAllowed, matchesPattern, parsePermission } from '../../src/core/permissions'

describe('permissions', () => {
  it('parses actions with optional patterns and ignores unknown ones', () => {
    expect(parsePermission('produce@orders.*')).toEqual({ action: 'produce', pattern: 'orders.*' })
    expect(parsePermission('consume')).toEqual({ action: 'consume', pattern: '*' })
    expect(parsePermission('fly@x')).toBeUndefined()
    expect(parsePermission('produce@')).toBeUndefined()
    // Tenant-wide actions take no pattern: 'admin@team-a.*' would look limited and not be.
    expect(parsePermission('admin@team-a.*')).toBeUndefined()
    expect(parsePermission('apikey:admin@x')).toBeUndefined()
  })

  it('matches globs against whole names, treating regex characters literally', () => {
    expect(matchesPattern('orders.*', 'orders.eu')).toBe(true)
    expect(matchesPattern('orders.*', 'ordersXeu')).toBe(false)
    expect(matchesPattern('a*c', 'abbbc')).toBe(true)
    expect(matchesPattern('orders', 'orders-dlq')).toBe(false)
    expect(matchesPattern('*a*a*b', 'xaYaZb')).toBe(true)
    expect(matchesPattern('*a*a*a*a*b', 'a'.repeat(5000))).toBe(false)
    expect(matchesPattern('ab*ba', 'aba')).toBe(false)
  })

  it("maps the seed's OIDC scopes onto actions", () => {
    const producer = grantsFrom(['kafka_producer:write'])
    expect(isAllowed(producer, 'produce', 'events')).toBe(true)
    expect(isAllowed(producer, 'consume', 'events')).toBe(false)
    const consumer = grantsFrom(['kafka_consumer:read'])
    expect(isAllowed(consumer, 'consume', 'events')).toBe(true)
    expect(isAllowed(consumer, 'topic:delete', 'events')).toBe(false)
  })

  it('gives a scrape credential (kafdo:metrics) metrics:read alone, tenant-wide', () => {
    const scraper = grantsFrom(['kafdo:metrics'])
    expect(isAllowed(scraper, 'metrics:read')).toBe(true)
    expect(isAllowed(scraper, 'topic:read', 'orders')).toBe(false)
    expect(isAllowed(scraper, 'webhook:admin')).toBe(false)
    expect(parsePermission('metrics:read@orders')).toBeUndefined()
    expect(isAllowed(grantsFrom(['kafdo:operator']), 'webhook:admin')).toBe(true)
  })

  it('lets admin do everything in its tenant but not act across tenants', () => {
    const admin = grantsFrom(['admin'])
    expect(isAllowed(admin, 'topic:delete', 'x')).toBe(true)
    expect(isAllowed(admin, 'platform:admin')).toBe(false)
    expect(isAllowed(grantsFrom(['platform:admin']), 'platform:admin')).toBe(true)
  })

  it('never lets a holder hand out more than it has', () => {
    const holder = grantsFrom(['apikey:admin', 'produce@orders.*'])
    expect(covers(holder, parsePermission('produce@orders.*')!)).toBe(true)
    expect(covers(holder, parsePermission('produce')!)).toBe(false)
    expect(covers(holder, parsePermission('admin')!)).toBe(false)
    expect(covers(grantsFrom(['admin']), parsePermission('platform:admin')!)).toBe(false)
  })
})
