/**
 * MongoDB change events shaped as the change stream emits them (MongoDB manual, "Change Events"), in
 * relaxed Extended JSON as `EJSON.serialize` writes them: resume tokens `{"_data": …}`, `$oid`, `$date`,
 * `$numberDecimal`, `$numberLong`, `$timestamp` and `$binary` UUIDs.
 */
import type {
  CDCDeleteEvent,
  CDCDropDatabaseEvent,
  CDCDropEvent,
  CDCEvent,
  CDCInsertEvent,
  CDCInvalidateEvent,
  CDCRenameEvent,
  CDCReplaceEvent,
  CDCUpdateEvent,
} from '../../../integrations/index'

let ordinal = 0

/** A resume token like a 6.0+ server's: hex KeyString starting with the cluster time. */
function resumeToken(t: number, i: number): { _data: string } {
  ordinal += 1
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0')
  return {
    _data: `82${hex(t, 8)}${hex(i, 8)}2B042C0100296E5A1004${hex(ordinal, 32)}463C6F7065726174696F6E54797065003C696E736572740046646F63756D656E744B657900`,
  }
}

const UUID = { $binary: { base64: 'x1Ih9hb0QbqwCswEmd0v3w==', subType: '04' } }

/** Times of one transaction-free sequence: each event gets the next oplog ordinal. */
function clock(start: number) {
  let i = 0
  return () => {
    i += 1
    const t = start + i
    return {
      _id: resumeToken(t, 1),
      clusterTime: { $timestamp: { t, i: 1 } },
      wallTime: { $date: new Date(t * 1000 + 123).toISOString() },
    }
  }
}

export interface ChangeStream {
  db: string
  alice: { $oid: string }
  bob: { $oid: string }
  events: CDCEvent[]
}

/** Every event type for two documents of `<db>.users`, then the collection's rename, drop and the database's drop. */
export function changeStream(db: string, start = 1_700_000_000): ChangeStream {
  const next = clock(start)
  const alice = { $oid: '6571b9f4c2a1e3d4f5a6b7c1' }
  const bob = { $oid: '6571b9f4c2a1e3d4f5a6b7c2' }
  const ns = { db, coll: 'users' }
  const insertAlice: CDCInsertEvent = {
    ...next(),
    operationType: 'insert',
    collectionUUID: UUID,
    ns,
    documentKey: { _id: alice },
    fullDocument: {
      _id: alice,
      name: 'Alice',
      balance: { $numberDecimal: '1024.50' },
      createdAt: { $date: '2023-12-07T12:34:56.789Z' },
      visits: { $numberLong: '9007199254740993' },
      tags: ['a', 'b', 'c'],
    },
  }
  const insertBob: CDCInsertEvent = { ...next(), operationType: 'insert', ns, documentKey: { _id: bob }, fullDocument: { _id: bob, name: 'Bob' } }
  const updateAlice: CDCUpdateEvent = {
    ...next(),
    operationType: 'update',
    ns,
    documentKey: { _id: alice },
    updateDescription: {
      updatedFields: { balance: { $numberDecimal: '99.99' }, 'profile.updatedAt': { $date: '2023-12-08T00:00:00Z' } },
      removedFields: ['nickname'],
      truncatedArrays: [{ field: 'tags', newSize: 1 }],
    },
    fullDocument: { _id: alice, name: 'Alice', balance: { $numberDecimal: '99.99' }, tags: ['a'] },
  }
  const replaceBob: CDCReplaceEvent = {
    ...next(),
    operationType: 'replace',
    ns,
    documentKey: { _id: bob },
    fullDocument: { _id: bob, name: 'Robert', since: { $date: { $numberLong: '1701993600000' } } },
  }
  const deleteAlice: CDCDeleteEvent = { ...next(), operationType: 'delete', ns, documentKey: { _id: alice } }
  const rename: CDCRenameEvent = {
    ...next(),
    operationType: 'rename',
    ns,
    to: { db, coll: 'people' },
    operationDescription: { to: { db, coll: 'people' } },
  }
  const drop: CDCDropEvent = { ...next(), operationType: 'drop', ns: { db, coll: 'people' } }
  const dropDatabase: CDCDropDatabaseEvent = { ...next(), operationType: 'dropDatabase', ns: { db } }
  // MongoDB sends invalidate with no ns: the stream it ends watched `<db>.users`.
  const invalidate: CDCInvalidateEvent = { ...next(), operationType: 'invalidate' }
  return { db, alice, bob, events: [insertAlice, insertBob, updateAlice, replaceBob, deleteAlice, rename, drop, dropDatabase, invalidate] }
}
