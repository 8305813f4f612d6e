import { describe, expect, it, vi } from 'vitest'
import {
  CDC_HEADERS,
  isCDCEvent,
  isDeleteEvent,
  isDocumentEvent,
  isDropDatabaseEvent,
  isDropEvent,
  isInsertEvent,
  isInvalidateEvent,
  isRenameEvent,
  isReplaceEvent,
  isUpdateEvent,
  processCDCMessage,
  type CDCEvent,
} from '../../integrations/index'
import { changeStream } from './support/change-events'

const { events } = changeStream('shop')
const [insert, , update, replace, remove, rename, drop, dropDatabase, invalidate] = events as [CDCEvent, ...CDCEvent[]]
const record = (value: unknown, headers: Record<string, string> = {}) => ({
  topic: 'cdc.shop.users',
  partition: 0,
  offset: 7,
  key: 'k',
  value,
  headers,
})

describe('processCDCMessage > dispatch', () => {
  it('calls the one handler for each operation type, with the event and where it came from', async () => {
    const handlers = {
      groupId: 'cdc-processor',
      onInsert: vi.fn(),
      onUpdate: vi.fn(),
      onReplace: vi.fn(),
      onDelete: vi.fn(),
      onDrop: vi.fn(),
      onRename: vi.fn(),
      onDropDatabase: vi.fn(),
      onInvalidate: vi.fn(),
    }
    const expected: Array<[CDCEvent, keyof typeof handlers]> = [
      [insert, 'onInsert'],
      [update!, 'onUpdate'],
      [replace!, 'onReplace'],
      [remove!, 'onDelete'],
      [drop!, 'onDrop'],
      [rename!, 'onRename'],
      [dropDatabase!, 'onDropDatabase'],
      [invalidate!, 'onInvalidate'],
    ]
    for (const [event, name] of expected) {
      expect(await processCDCMessage(record(event), handlers)).toBe(true)
      expect(handlers[name]).toHaveBeenLastCalledWith(event, {
        groupId: 'cdc-processor',
        topic: 'cdc.shop.users',
        partition: 0,
        offset: 7,
        key: 'k',
        headers: {},
      })
    }
    for (const [, name] of expected) expect(handlers[name]).toHaveBeenCalledTimes(1)
  })

  it('answers false when the type has no handler, or the value is not a change event', async () => {
    const onInsert = vi.fn()
    expect(await processCDCMessage(record(update), { onInsert })).toBe(false)
    expect(await processCDCMessage(record({ operationType: 'insert', ns: { db: 'shop', coll: 'users' } }), { onInsert })).toBe(false)
    expect(await processCDCMessage(record('not json'), { onInsert })).toBe(false)
    expect(await processCDCMessage(record(null), { onInsert })).toBe(false)
    expect(onInsert).not.toHaveBeenCalled()
  })

  it('reads a JSON text value and a Queue-style body', async () => {
    const onInsert = vi.fn()
    expect(await processCDCMessage(record(JSON.stringify(insert)), { onInsert })).toBe(true)
    expect(await processCDCMessage({ body: insert }, { onInsert })).toBe(true)
    expect(onInsert).toHaveBeenCalledTimes(2)
    expect(onInsert.mock.calls[0]![0]).toEqual(insert)
  })
})

describe('processCDCMessage > filters', () => {
  it('skips other databases and collections', async () => {
    const onInsert = vi.fn()
    expect(await processCDCMessage(record(insert), { database: 'other', onInsert })).toBe(false)
    expect(await processCDCMessage(record(insert), { database: 'shop', collection: 'orders', onInsert })).toBe(false)
    expect(await processCDCMessage(record(insert), { database: ['other', 'shop'], collection: ['users'], onInsert })).toBe(true)
    expect(onInsert).toHaveBeenCalledTimes(1)
  })

  it('lets database-wide events through a collection filter, and matches a rename by its old name', async () => {
    const onDropDatabase = vi.fn()
    const onRename = vi.fn()
    expect(await processCDCMessage(record(dropDatabase), { database: 'shop', collection: 'users', onDropDatabase })).toBe(true)
    expect(await processCDCMessage(record(rename), { collection: 'users', onRename })).toBe(true)
    expect(await processCDCMessage(record(rename), { collection: 'people', onRename })).toBe(false)
  })

  it('matches an invalidate (no ns) by the namespace the pipeline put in its headers', async () => {
    const onInvalidate = vi.fn()
    const headers = { [CDC_HEADERS.database]: 'shop', [CDC_HEADERS.collection]: 'users' }
    expect(await processCDCMessage(record(invalidate, headers), { database: 'other', onInvalidate })).toBe(false)
    expect(await processCDCMessage(record(invalidate, headers), { database: 'shop', collection: 'users', onInvalidate })).toBe(true)
    expect(await processCDCMessage(record(invalidate), { database: 'other', onInvalidate })).toBe(true)
  })
})

describe('CDC type guards', () => {
  it('recognise each operation type by its whole shape', () => {
    const guards = [isInsertEvent, isUpdateEvent, isReplaceEvent, isDeleteEvent, isDropEvent, isRenameEvent, isDropDatabaseEvent, isInvalidateEvent]
    const ordered = [insert, update, replace, remove, drop, rename, dropDatabase, invalidate]
    ordered.forEach((event, i) => {
      expect(isCDCEvent(event)).toBe(true)
      expect(guards.map((guard) => guard(event))).toEqual(guards.map((_, j) => i === j))
    })
    expect(ordered.map((event) => isDocumentEvent(event))).toEqual([true, true, true, true, false, false, false, false])
    expect(isUpdateEvent({ operationType: 'update', ns: { db: 'a', coll: 'b' }, documentKey: { _id: 1 } })).toBe(false)
    expect(isCDCEvent({ operationType: 'createIndexes', ns: { db: 'a', coll: 'b' } })).toBe(false)
  })
})
