import { useEffect, useState } from 'preact/hooks';
import { call } from '../state';
import { Card, ErrorText, Field, Loading, checked, formatDateTime, value } from '../ui';

interface Webhook { id: number; name: string; url: string; events: string[]; enabled: boolean; created_at: string; consecutive_failures: number; disabled_at: string | null }
interface Attempt { id: number; delivery_id: number; event_type: string; attempt: number; status_code: number | null; error: string | null; duration_ms: number; success: boolean; created_at: string }
const EVENTS = ['session.started', 'game.added', 'session.ended', 'player-count.updated', 'vote.received'];

function WebhookForm({ hook, onDone }: { hook: Webhook | null; onDone: (generatedSecret?: string) => void }) {
  const [name, setName] = useState(hook?.name ?? '');
  const [url, setUrl] = useState(hook?.url ?? '');
  const [secret, setSecret] = useState('');
  const [events, setEvents] = useState<string[]>(hook?.events ?? ['game.added']);
  const [error, setError] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { name, url, events };
    if (secret) body.secret = secret;
    try {
      const saved = await call<{ secret?: string }>(hook ? 'PATCH' : 'POST', hook ? `/api/webhooks/${hook.id}` : '/api/webhooks', { body });
      onDone(saved.secret);
    }
    catch (err) { setError((err as Error).message); }
  };
  return (
    <form class="stack" onSubmit={save}>
      <div class="grid-form">
        <Field label="Name"><input required value={name} onInput={e => setName(value(e))} /></Field>
        <Field label="URL"><input required type="url" value={url} onInput={e => setUrl(value(e))} placeholder="https://…" /></Field>
        <Field label={hook ? 'Secret (leave empty to keep)' : 'Secret (leave empty to generate one)'}><input value={secret} onInput={e => setSecret(value(e))} /></Field>
      </div>
      <fieldset class="row wrap"><legend>Events</legend>
        {EVENTS.map(ev => (
          <label class="check" key={ev}><input type="checkbox" checked={events.includes(ev)}
            onChange={e => setEvents(checked(e) ? [...events, ev] : events.filter(x => x !== ev))} /> {ev}</label>
        ))}
      </fieldset>
      <ErrorText error={error} />
      <div class="row"><button type="submit" class="primary">{hook ? 'Save' : 'Create webhook'}</button>
        <button type="button" onClick={() => onDone()}>Cancel</button></div>
    </form>
  );
}

function DeliveryLog({ hook }: { hook: Webhook }) {
  const [log, setLog] = useState<Attempt[] | null>(null);
  const [error, setError] = useState('');
  const load = () => call<Attempt[]>('GET', `/api/webhooks/${hook.id}/logs?limit=50`).then(setLog).catch(e => setError(e.message));
  useEffect(() => { void load(); const t = setInterval(load, 2000); return () => clearInterval(t); }, [hook.id]);
  const redeliver = async (deliveryId: number) => {
    try { await call('POST', `/api/webhooks/${hook.id}/deliveries/${deliveryId}/redeliver`); void load(); }
    catch (e) { setError((e as Error).message); }
  };
  if (!log) return <Loading />;
  return (
    <div class="stack">
      <ErrorText error={error} />
      {log.length === 0 ? <p class="muted">No deliveries yet.</p> : (
        <div class="table-wrap">
          <table data-testid="delivery-log">
            <thead><tr><th>Time</th><th>Event</th><th>Delivery</th><th>Attempt</th><th>Status</th><th>Duration</th><th>Error</th><th></th></tr></thead>
            <tbody>{log.map(a => (
              <tr key={a.id} class={a.success ? 'ok' : 'failed'}>
                <td>{formatDateTime(a.created_at)}</td><td>{a.event_type}</td><td>{a.delivery_id}</td><td>{a.attempt}</td>
                <td><span class={`badge ${a.success ? 'played' : 'skipped'}`}>{a.status_code ?? 'no answer'}</span></td>
                <td>{a.duration_ms} ms</td><td>{a.error ?? ''}</td>
                <td><button onClick={() => redeliver(a.delivery_id)}>Redeliver</button></td>
              </tr>))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function WebhooksPage() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState<Webhook | 'new' | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const load = () => call<Webhook[]>('GET', '/api/webhooks').then(setHooks).catch(e => setError(e.message));
  useEffect(() => { void load(); }, []);
  const act = (fn: () => Promise<unknown>) => async () => {
    setError('');
    try { await fn(); await load(); } catch (e) { setError((e as Error).message); }
  };
  if (!hooks) return <main><h1>Webhooks</h1><ErrorText error={error} />{!error && <Loading />}</main>;
  return (
    <main>
      <div class="row spread wrap"><h1>Webhooks</h1><button class="primary" onClick={() => setEditing('new')}>New webhook</button></div>
      <ErrorText error={error} />
      {notice && <p class="notice" role="status">{notice}</p>}
      {editing && <Card title={editing === 'new' ? 'New webhook' : `Edit ${editing.name}`}>
        <WebhookForm hook={editing === 'new' ? null : editing} onDone={generated => {
          setEditing(null);
          if (generated) setNotice(`Signing secret (shown this once, keep it): ${generated}`);
          void load();
        }} /></Card>}
      {hooks.length === 0 && <Card><p class="muted">No webhooks yet.</p></Card>}
      {hooks.map(h => (
        <Card key={h.id}>
          <div class="row spread wrap">
            <div>
              <h2>{h.name} {h.enabled ? <span class="badge played">enabled</span>
                : <span class="badge skipped">{h.disabled_at ? `auto-disabled ${formatDateTime(h.disabled_at)}` : 'disabled'}</span>}</h2>
              <p class="muted break">{h.url}</p>
              <p class="muted">{h.events.join(', ')}{h.consecutive_failures ? ` · ${h.consecutive_failures} failures in a row` : ''}</p>
            </div>
            <div class="row wrap">
              <button onClick={act(async () => { await call('POST', `/api/webhooks/test/${h.id}`); setNotice(`Test event sent to ${h.name}`); setOpen(h.id); })}>Send test</button>
              <button onClick={act(() => call('PATCH', `/api/webhooks/${h.id}`, { body: { enabled: !h.enabled } }))}>{h.enabled ? 'Disable' : 'Enable'}</button>
              <button onClick={() => setEditing(h)}>Edit</button>
              <button onClick={() => setOpen(open === h.id ? null : h.id)}>{open === h.id ? 'Hide log' : 'Delivery log'}</button>
              <button class="danger" onClick={act(async () => { if (confirm(`Delete webhook ${h.name} and its log?`)) await call('DELETE', `/api/webhooks/${h.id}`); })}>Delete</button>
            </div>
          </div>
          {open === h.id && <DeliveryLog hook={h} />}
        </Card>
      ))}
    </main>
  );
}
