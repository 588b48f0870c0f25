import { useState } from 'preact/hooks';
import { request } from '../../shared/http';
import { ErrorText, Field } from '../ui';
import { logIn, loginMessage, navigate } from '../state';

export function LoginPage() {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const r = await request<{ token: string }>('POST', '/api/auth/login', { body: { key } });
      logIn(r.token);
      navigate('/', true);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="narrow">
      <h1>Log in</h1>
      {loginMessage.value && <p class="notice" role="status">{loginMessage.value}</p>}
      <form class="card stack" onSubmit={submit}>
        <Field label="Admin key">
          <input type="password" autocomplete="current-password" required value={key}
                 onInput={e => setKey((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <ErrorText error={error} />
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
      </form>
    </main>
  );
}
