/** The schema registry: subjects, their versions and compatibility, and a version's schema. */
import { useState } from 'preact/hooks'
import type { SchemaVersion } from '../../../src/protocol/index'
import { get } from '../api'
import { ErrorNote, Loading, TableWrap, usePoll } from '../components'

interface Subject {
  subject: string
  versions: number[]
  compatibility: string
}

export function SchemasPage() {
  const [shown, setShown] = useState<{ subject: string; version: number } | undefined>(undefined)
  const registry = usePoll(
    async () => {
      const [subjects, global] = await Promise.all([get<string[]>('/subjects'), get<{ compatibilityLevel: string }>('/config')])
      const rows = await Promise.all(
        subjects.map(async (subject): Promise<Subject> => {
          const [versions, config] = await Promise.all([
            get<number[]>(`/subjects/${subject}/versions`),
            get<{ compatibilityLevel: string }>(`/config/${subject}`),
          ])
          return { subject, versions, compatibility: config.compatibilityLevel }
        }),
      )
      return { global: global.compatibilityLevel, subjects: rows }
    },
    10_000,
    [],
  )
  const schema = usePoll(() => (shown ? get<SchemaVersion>(`/subjects/${shown.subject}/versions/${shown.version}`) : Promise.resolve(undefined)), 0, [
    shown?.subject,
    shown?.version,
  ])
  return (
    <section aria-labelledby="schemas-title">
      <h1 id="schemas-title">Schemas</h1>
      <ErrorNote error={registry.error} />
      {!registry.data && !registry.error && <Loading what="the schema registry" />}
      {registry.data && (
        <>
          <p>
            Default compatibility: <strong>{registry.data.global}</strong>
          </p>
          {registry.data.subjects.length === 0 && <p>No subjects registered in this tenant.</p>}
          {registry.data.subjects.length > 0 && (
            <TableWrap label="Subjects">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Subject</th>
                    <th scope="col">Versions</th>
                    <th scope="col">Compatibility</th>
                  </tr>
                </thead>
                <tbody>
                  {registry.data.subjects.map((row) => (
                    <tr key={row.subject}>
                      <th scope="row">{row.subject}</th>
                      <td>
                        {row.versions.map((version) => (
                          <button
                            key={version}
                            type="button"
                            class="link"
                            aria-pressed={shown?.subject === row.subject && shown.version === version}
                            onClick={() => setShown({ subject: row.subject, version })}
                          >
                            v{version}
                          </button>
                        ))}
                      </td>
                      <td>{row.compatibility}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </>
      )}
      {schema.data && (
        <section class="panel" aria-label={`Schema ${schema.data.subject} version ${schema.data.version}`}>
          <h2>
            {schema.data.subject} v{schema.data.version} <span class="badge">{schema.data.schemaType ?? 'AVRO'}</span>{' '}
            <span class="muted">id {schema.data.id}</span>
          </h2>
          <pre class="value">{pretty(schema.data.schema)}</pre>
        </section>
      )}
    </section>
  )
}

function pretty(schema: string): string {
  try {
    return JSON.stringify(JSON.parse(schema), null, 2)
  } catch {
    return schema
  }
}
