/** Health of every topic, queue and group (`GET /health/...`), with the reasons a threshold gives. */
import type { GroupListing, HealthReport, QueueDescription, TopicSummary } from '../../../src/protocol/index'
import { get } from '../api'
import { ErrorNote, Loading, Status, TableWrap, usePoll } from '../components'
import { href } from '../router'

interface Row {
  kind: 'topic' | 'queue' | 'group'
  name: string
  report: HealthReport | undefined
  error: string | undefined
}

export function HealthPage() {
  const health = usePoll(
    async () => {
      const [service, topics, queues, groups] = await Promise.all([
        get<{ status: string; version: string }>('/health'),
        get<{ topics: TopicSummary[] }>('/admin/topics'),
        get<{ queues: QueueDescription[] }>('/queues').catch(() => ({ queues: [] })),
        get<{ groups: GroupListing[] }>('/admin/groups').catch(() => ({ groups: [] })),
      ])
      const queueNames = new Set(queues.queues.map((q) => q.name))
      const wanted: Array<Pick<Row, 'kind' | 'name'>> = [
        ...topics.topics.filter((t) => !queueNames.has(t.topic)).map((t) => ({ kind: 'topic' as const, name: t.topic })),
        ...queues.queues.map((q) => ({ kind: 'queue' as const, name: q.name })),
        ...groups.groups.map((g) => ({ kind: 'group' as const, name: g.groupId })),
      ]
      const rows = await Promise.all(
        wanted.map(async (row): Promise<Row> => {
          try {
            return { ...row, report: await get<HealthReport>(`/health/${row.kind}s/${row.name}`), error: undefined }
          } catch (err) {
            return { ...row, report: undefined, error: (err as Error).message }
          }
        }),
      )
      return { service, rows }
    },
    10_000,
    [],
  )
  const link = (row: Row) => href(row.kind === 'topic' ? 'topics' : row.kind === 'queue' ? 'queues' : 'groups', row.name)
  return (
    <section aria-labelledby="health-title">
      <h1 id="health-title">Health</h1>
      <ErrorNote error={health.error} />
      {!health.data && !health.error && <Loading what="health" />}
      {health.data && (
        <>
          <p>
            Service <Status status={health.data.service.status} /> version {health.data.service.version}
          </p>
          <TableWrap label="Health of topics, queues and groups">
            <table>
              <thead>
                <tr>
                  <th scope="col">Resource</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {health.data.rows.map((row) => (
                  <tr key={`${row.kind}:${row.name}`}>
                    <th scope="row">
                      <a href={link(row)}>{row.name}</a>
                    </th>
                    <td>{row.kind}</td>
                    <td>{row.report ? <Status status={row.report.status} /> : '–'}</td>
                    <td>
                      {row.error ?? (row.report?.reasons.join(' ') || (row.report?.checks.length ? 'every threshold holds' : 'no thresholds set'))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </>
      )}
    </section>
  )
}
