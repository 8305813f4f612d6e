/**
 * Versioned schema migrations for a Durable Object's SQLite database. Each DO lists its migrations in
 * order; the runner applies those not yet applied, inside the constructor's `blockConcurrencyWhile`, and
 * records the version reached. A migration is never edited once released: add a new one.
 */

export type Migration = readonly string[]

export function runMigrations(storage: DurableObjectStorage, migrations: readonly Migration[]): number {
  const sql = storage.sql
  sql.exec('CREATE TABLE IF NOT EXISTS _schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)')
  const row = sql.exec<{ version: number }>('SELECT version FROM _schema_version WHERE id = 1').toArray()[0]
  const current = row?.version ?? 0
  if (current > migrations.length) {
    throw new Error(`storage schema version ${current} is newer than this code knows (${migrations.length})`)
  }
  if (current === migrations.length) return current
  storage.transactionSync(() => {
    for (let version = current; version < migrations.length; version++) {
      for (const statement of migrations[version]!) sql.exec(statement)
    }
    sql.exec('INSERT INTO _schema_version (id, version) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET version = excluded.version', migrations.length)
  })
  return migrations.length
}
