/** Log in with an API key or a token; it is checked against the API and kept for this tab only. */
import { useState } from 'preact/hooks'
import { api, ApiError, saveSession } from '../api'
import { ErrorNote } from '../components'

export function LoginPage() {
  const [credential, setCredential] = useState('')
  const [tenant, setTenant] = useState('')
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    const session = { credential: credential.trim(), ...(tenant.trim() ? { tenant: tenant.trim() } : {}) }
    try {
      // Any authenticated call proves the credential; the service description needs nothing more.
      await api('GET', '/', { session })
      saveSession(session)
      if (!location.hash) location.hash = '#/topics'
    } catch (err) {
      setError(err as ApiError)
    } finally {
      setBusy(false)
    }
  }
  return (
    <main id="main" class="login">
      <h1>Kafdo</h1>
      <form onSubmit={submit} aria-describedby="login-help">
        <p id="login-help">
          Log in with an API key or a token. It is kept in this tab's session storage only, and sent as an Authorization header. Locally, with
          authentication off, leave it empty.
        </p>
        <label for="credential">API key or token</label>
        <input
          id="credential"
          name="credential"
          type="password"
          autoComplete="off"
          value={credential}
          onInput={(e) => setCredential((e.target as HTMLInputElement).value)}
        />
        <label for="tenant">Tenant (optional, for a platform admin)</label>
        <input id="tenant" name="tenant" type="text" value={tenant} onInput={(e) => setTenant((e.target as HTMLInputElement).value)} />
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  )
}
