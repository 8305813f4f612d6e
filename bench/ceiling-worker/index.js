/**
 * The bench ceiling Worker: what this machine's local `wrangler dev` stack can do with no Kafdo logic in
 * the way, measured with the same ~1 KB records Kafdo is benchmarked with (bench/lib/records.mjs).
 *
 *   POST /noop                      reads the request body fully and answers a tiny JSON (HTTP in)
 *   GET  /response?records=N        answers a pre-built, pre-encoded Kafdo-shaped fetch body (HTTP out)
 *   POST /sqlite/insert?rowRecords=R&records=N&txRecords=T
 *                                   inserts N records into one Durable Object's SQLite, R records per row
 *                                   (a table shaped like Kafdo's `batches`), T records per transaction
 *   POST /sqlite/read?rowRecords=R&fetchRecords=F
 *                                   reads that object's whole table back, F records per query
 *   GET  /hop/fetch?records=N       the /response page, but held by a Durable Object and fetched over one
 *                                   RPC: the floor of any design that reads a partition in its own object
 *   POST /hop/produce               a produce-batch body passed over one RPC to a Durable Object that
 *                                   parses it and stores the records as /sqlite/insert does (rows of 100,
 *                                   one transaction): the floor of any design that parses what it stores
 *                                   and writes it in the partition's own object, with no checks at all
 *
 * The SQLite answers carry the object's own counts (`cursor.rowsWritten` / `rowsRead`), which are what
 * Cloudflare bills, and the elapsed time measured inside the object.
 */
import { DurableObject } from 'cloudflare:workers'
import { makeRecord, renderRecord, storedRecordBody, fetchResponseBody } from '../lib/records.mjs'

/** Distinct pre-encoded record bodies the SQLite benchmark cycles through (encoding is not what we time). */
const BODY_POOL = 1000

export class BenchSqliteDO extends DurableObject {
  #sql
  #next = 0
  #bodies = Array.from({ length: BODY_POOL }, (_, i) => storedRecordBody(makeRecord(i)))

  constructor(ctx, env) {
    super(ctx, env)
    this.#sql = ctx.storage.sql
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS batches (
      base_offset INTEGER PRIMARY KEY, last_offset INTEGER NOT NULL, max_timestamp INTEGER NOT NULL,
      byte_size INTEGER NOT NULL, expires_at INTEGER, payload TEXT NOT NULL)`)
    this.#next = (this.#sql.exec('SELECT MAX(last_offset) AS last FROM batches').one().last ?? -1) + 1
  }

  /** Appends `records` records, `rowRecords` per row, rendering each row as Kafdo's partition does. */
  insert({ records, rowRecords, txRecords }) {
    const started = performance.now()
    const timestamp = Date.now()
    let rowsWritten = 0
    let bytes = 0
    for (let done = 0; done < records; done += txRecords) {
      const inTx = Math.min(txRecords, records - done)
      this.ctx.storage.transactionSync(() => {
        for (let r = 0; r < inTx; r += rowRecords) {
          const count = Math.min(rowRecords, inTx - r)
          const base = this.#next
          const parts = []
          let size = 0
          for (let j = 0; j < count; j++) {
            const body = this.#bodies[(base + j) % BODY_POOL]
            parts.push(renderRecord(base + j, timestamp, body))
            size += body.length
          }
          const cursor = this.#sql.exec(
            'INSERT INTO batches (base_offset, last_offset, max_timestamp, byte_size, expires_at, payload) VALUES (?, ?, ?, ?, ?, ?)',
            base,
            base + count - 1,
            timestamp,
            size,
            null,
            `[${parts.join(',')}]`,
          )
          rowsWritten += cursor.rowsWritten
          bytes += size
          this.#next += count
        }
      })
    }
    return { records, rows: Math.ceil(records / rowRecords), rowsWritten, bytes, elapsedMs: performance.now() - started }
  }

  /** The pre-built page of `records` records, answered over RPC (see /hop/fetch). */
  page(records) {
    return prebuiltResponse(records)
  }

  /** Parses a produce-batch body and stores its records in rows of 100, in one transaction (see /hop/produce). */
  produce(body) {
    const { records } = JSON.parse(body)
    const timestamp = Date.now()
    this.ctx.storage.transactionSync(() => {
      for (let r = 0; r < records.length; r += 100) {
        const rows = records.slice(r, r + 100)
        const base = this.#next
        let size = 0
        const parts = rows.map((record, j) => {
          const stored = storedRecordBody(record)
          size += stored.length
          return renderRecord(base + j, timestamp, stored)
        })
        this.#sql.exec(
          'INSERT INTO batches (base_offset, last_offset, max_timestamp, byte_size, expires_at, payload) VALUES (?, ?, ?, ?, ?, ?)',
          base,
          base + rows.length - 1,
          timestamp,
          size,
          null,
          `[${parts.join(',')}]`,
        )
        this.#next += rows.length
      }
    })
    return { baseOffset: this.#next - records.length, count: records.length }
  }

  /** Reads the whole table from offset 0, `fetchRecords` records per query, as a sequential fetch would. */
  read({ fetchRecords }) {
    const started = performance.now()
    let from = 0
    let records = 0
    let rows = 0
    let rowsRead = 0
    let bytes = 0
    for (;;) {
      const cursor = this.#sql.exec(
        'SELECT base_offset, last_offset, byte_size, payload FROM batches WHERE base_offset >= ? ORDER BY base_offset',
        from,
      )
      let inFetch = 0
      for (const row of cursor) {
        inFetch += row.last_offset - row.base_offset + 1
        bytes += row.payload.length
        rows++
        from = row.last_offset + 1
        if (inFetch >= fetchRecords) break
      }
      rowsRead += cursor.rowsRead
      records += inFetch
      if (inFetch === 0) break
    }
    return { records, rows, rowsRead, bytes, elapsedMs: performance.now() - started }
  }
}

const responseBodies = new Map()
const encoder = new TextEncoder()

function prebuiltResponse(count) {
  let body = responseBodies.get(count)
  if (!body) responseBodies.set(count, (body = encoder.encode(fetchResponseBody('bench-ceiling', 0, count))))
  return body
}

function intParam(url, name, fallback) {
  const value = Number.parseInt(url.searchParams.get(name) ?? '', 10)
  return Number.isFinite(value) && value > 0 ? value : fallback
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    switch (url.pathname) {
      case '/health':
        return Response.json({ status: 'ok' })
      case '/noop': {
        const body = await request.arrayBuffer()
        return Response.json({ ok: true, bytes: body.byteLength })
      }
      case '/response':
        return new Response(prebuiltResponse(intParam(url, 'records', 1000)), { headers: { 'content-type': 'application/json' } })
      case '/hop/fetch':
        return new Response(await env.BENCH_SQLITE.getByName('hop').page(intParam(url, 'records', 1000)), {
          headers: { 'content-type': 'application/json' },
        })
      case '/hop/produce':
        return Response.json(await env.BENCH_SQLITE.getByName('hop-produce').produce(await request.text()))
      case '/sqlite/insert': {
        const rowRecords = intParam(url, 'rowRecords', 1)
        const stub = env.BENCH_SQLITE.getByName(`rows-of-${rowRecords}`)
        return Response.json(
          await stub.insert({ rowRecords, records: intParam(url, 'records', 10_000), txRecords: intParam(url, 'txRecords', 1000) }),
        )
      }
      case '/sqlite/read': {
        const rowRecords = intParam(url, 'rowRecords', 1)
        const stub = env.BENCH_SQLITE.getByName(`rows-of-${rowRecords}`)
        return Response.json(await stub.read({ fetchRecords: intParam(url, 'fetchRecords', 1000) }))
      }
      default:
        return Response.json({ error: 'not found' }, { status: 404 })
    }
  },
}
