/** The dashboard: a login, then one page per area, switched by the URL's hash. */
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, clearSession, loadSession, saveSession, type Session } from './api'
import { ErrorNote } from './components'
import { GroupPage, GroupsPage } from './pages/groups'
import { HealthPage } from './pages/health'
import { LoginPage } from './pages/login'
import { ProducePage } from './pages/produce'
import { QueuePage, QueuesPage } from './pages/queues'
import { SchemasPage } from './pages/schemas'
import { TailPage } from './pages/tail'
import { TopicPage, TopicsPage } from './pages/topics'
import { href, useRoute } from './router'

const NAV = [
  ['topics', 'Topics'],
  ['tail', 'Live tail'],
  ['produce', 'Produce'],
  ['groups', 'Groups'],
  ['queues', 'Queues'],
  ['schemas', 'Schemas'],
  ['health', 'Health'],
] as const

function useSession(): Session | null {
  const [session, setSession] = useState(loadSession)
  useEffect(() => {
    const changed = () => setSession(loadSession())
    addEventListener('kafdo:session', changed)
    return () => removeEventListener('kafdo:session', changed)
  }, [])
  return session
}

function App() {
  const session = useSession()
  const [page = 'topics', ...rest] = useRoute()
  useEffect(() => {
    const title = NAV.find(([id]) => id === page)?.[1] ?? 'Kafdo'
    document.title = session ? `${title}${rest[0] ? ` · ${rest[0]}` : ''} · Kafdo` : 'Log in · Kafdo'
  }, [page, rest[0], session])
  if (!session) return <LoginPage />
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('topics')}>
          Kafdo
        </a>
        <nav aria-label="Dashboard">
          <ul>
            {NAV.map(([id, label]) => (
              <li key={id}>
                <a href={href(id)} aria-current={page === id ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <TenantSwitch session={session} />
        <button type="button" class="link" onClick={clearSession}>
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page page={page} rest={rest} />
      </main>
    </>
  )
}

function Page({ page, rest }: { page: string; rest: string[] }) {
  const [name, sub] = rest
  switch (page) {
    case 'topics':
      return name ? <TopicPage topic={name} /> : <TopicsPage />
    case 'tail':
      return <TailPage topic={name} partition={sub} />
    case 'produce':
      return <ProducePage topic={name} />
    case 'groups':
      return name ? <GroupPage groupId={name} /> : <GroupsPage />
    case 'queues':
      return name ? <QueuePage name={name} /> : <QueuesPage />
    case 'schemas':
      return <SchemasPage />
    case 'health':
      return <HealthPage />
    default:
      return <ErrorNote error={{ code: 'NOT_FOUND', message: `no page '${page}'` } as never} />
  }
}

/** A platform admin picks the tenant to act in (one listed, or any name); others see theirs. */
function TenantSwitch({ session }: { session: Session }) {
  const [tenants, setTenants] = useState<string[] | undefined>(undefined)
  const [name, setName] = useState(session.tenant ?? '')
  useEffect(() => {
    // Only a platform admin may list tenants; anyone else keeps the credential's own.
    api<{ tenants: string[] }>('GET', '/admin/tenants', { session: { credential: session.credential } })
      .then((answer) => setTenants([...new Set(['default', ...answer.tenants])].sort()))
      .catch(() => setTenants(undefined))
  }, [session.credential, session.tenant])
  useEffect(() => setName(session.tenant ?? ''), [session.tenant])
  if (!tenants) return session.tenant ? <span class="tenant">tenant {session.tenant}</span> : null
  const submit = (event: Event) => {
    event.preventDefault()
    const tenant = name.trim()
    saveSession(tenant && tenant !== 'default' ? { ...session, tenant } : { credential: session.credential })
  }
  return (
    <form class="tenant" onSubmit={submit}>
      <label for="tenant-switch">Tenant</label>
      <input
        id="tenant-switch"
        list="tenant-list"
        placeholder="default"
        value={name}
        onInput={(e) => setName((e.target as HTMLInputElement).value)}
      />
      <datalist id="tenant-list">
        {tenants.map((tenant) => (
          <option key={tenant} value={tenant} />
        ))}
      </datalist>
      <button type="submit">Switch</button>
    </form>
  )
}

const root = document.getElementById('app')!
// The page's "Loading…" placeholder goes: render adds to what the container holds.
root.textContent = ''
render(<App />, root)
