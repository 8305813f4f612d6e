/** Consumer groups: state and members; a group's members, assignment, lag per partition and lag over time. */
import { useRef } from 'preact/hooks'
import type { GroupDescription, GroupListing } from '../../../src/protocol/index'
import { get } from '../api'
import { ErrorNote, LineChart, Loading, TableWrap, usePoll } from '../components'
import { count } from '../format'
import { href } from '../router'

export function GroupsPage() {
  const groups = usePoll(() => get<{ groups: GroupListing[] }>('/admin/groups'), 5_000, [])
  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">Consumer groups</h1>
      <ErrorNote error={groups.error} />
      {!groups.data && !groups.error && <Loading what="groups" />}
      {groups.data?.groups.length === 0 && <p>No consumer groups yet in this tenant.</p>}
      {groups.data && groups.data.groups.length > 0 && (
        <TableWrap label="Consumer groups">
          <table>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">State</th>
                <th scope="col">Members</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.groups.map((group) => (
                <tr key={group.groupId}>
                  <th scope="row">
                    <a href={href('groups', group.groupId)}>{group.groupId}</a>
                  </th>
                  <td>{group.state}</td>
                  <td class="num">{group.members}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  )
}

export function GroupPage({ groupId }: { groupId: string }) {
  const history = useRef<{ groupId: string; points: Array<{ t: number; v: number }> }>({ groupId, points: [] })
  const group = usePoll(
    async () => {
      const described = await get<GroupDescription>(`/admin/groups/${groupId}`)
      if (history.current.groupId !== groupId) history.current = { groupId, points: [] }
      history.current.points = [...history.current.points, { t: Date.now(), v: described.totalLag }].slice(-300)
      return described
    },
    2_000,
    [groupId],
  )
  const data = group.data
  return (
    <section aria-labelledby="group-title">
      <p class="crumbs">
        <a href={href('groups')}>Groups</a> /
      </p>
      <h1 id="group-title">{groupId}</h1>
      <ErrorNote error={group.error} />
      {!data && !group.error && <Loading what="the group" />}
      {data && (
        <>
          <dl class="figures">
            <div>
              <dt>State</dt>
              <dd>{data.state}</dd>
            </div>
            <div>
              <dt>Members</dt>
              <dd>{data.members.length}</dd>
            </div>
            <div>
              <dt>Total lag</dt>
              <dd data-testid="total-lag">{count(data.totalLag)}</dd>
            </div>
            <div>
              <dt>Group epoch</dt>
              <dd>{data.groupEpoch}</dd>
            </div>
          </dl>
          <LineChart label="Total lag" points={history.current.points} />
          <TableWrap label="Lag per partition">
            <table>
              <caption>Lag per partition</caption>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col">Partition</th>
                  <th scope="col">Committed</th>
                  <th scope="col">Latest</th>
                  <th scope="col">Lag</th>
                </tr>
              </thead>
              <tbody>
                {data.lag.map((row) => (
                  <tr key={`${row.topic}:${row.partition}`}>
                    <th scope="row">
                      <a href={href('topics', row.topic)}>{row.topic}</a>
                    </th>
                    <td class="num">{row.partition}</td>
                    <td class="num">{row.committed ?? '–'}</td>
                    <td class="num">{row.latest}</td>
                    <td class="num">{row.lag ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <TableWrap label="Members">
            <table>
              <caption>Members and their assignment</caption>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Client</th>
                  <th scope="col">State</th>
                  <th scope="col">Assigned partitions</th>
                </tr>
              </thead>
              <tbody>
                {data.members.length === 0 && (
                  <tr>
                    <td colSpan={4}>No members: the group only keeps committed offsets.</td>
                  </tr>
                )}
                {data.members.map((member) => (
                  <tr key={member.memberId}>
                    <th scope="row">
                      <code>{member.memberId}</code>
                    </th>
                    <td>{member.clientId}</td>
                    <td>{member.state}</td>
                    <td>{member.assignment.map((a) => `${a.topic} [${a.partitions.join(', ')}]`).join('; ') || 'none'}</td>
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
