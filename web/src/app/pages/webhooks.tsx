import { useEffect, useState } from 'preact/hooks';
import { call } from '../state';
import { Card, ErrorText, Field, Loading, checked, count, formatDateTime, value } from '../ui';

interface Stats { delivered_24h: number; failed_24h: number; p50_ms: number | null; p99_ms: number | null; last_success_at: string | null; last_failure_at: string | null }
interface Webhook {
  id: number; name: string; url: string; events: string[]; enabled: boolean; ordered: boolean; created_at: string;
  consecutive_failures: number; disabled_at: string | null; disabled_reason: string | null; previous_secret_expires_at: string | null;
  format: Format; rate_limit: number | null; timeout_ms: number | null; stats: Stats;
}
interface Attempt { id: number; delivery_id: number; event_type: string; attempt: number; status_code: number | null; error: string | null; duration_ms: number; success: boolean; created_at: string }
interface EventType { type: string; description: string }
type Format = 'json' | 'discord' | 'slack';

const FORMATS: [Format, string][] = [['json', 'JSON (signed event)'], ['discord', 'Discord message'], ['slack', 'Slack message']];
// The events of the API's sessions; the others come from the room monitor.
const SESSION_EVENTS = new Set(['session.started', 'game.added', 'session.ended', 'player-count.updated', 'vote.received']);
const DAY_MS = 24 * 3600 * 1000;

// The server's list of event types, fetched once: it names every type a webhook can take.
let eventTypes: Promise<EventType[]> | null = null;
function loadEventTypes(): Promise<EventType[]> {
  eventTypes ??= call<EventType[]>('GET', '/api/webhooks/event-types').catch(e => { eventTypes = null; throw e; });
  return eventTypes;
}

// An optional number field: empty means "not set" (null clears it on the server).
function numberOrNull(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

function EventChoices({ types, events, setEvents }: { types: EventType[]; events: string[]; setEvents: (e: string[]) => void }) {
  const group = (legend: string, members: EventType[]) => (
    <fieldset class="row wrap"><legend>{legend}</legend>
      {members.map(t => (
        <label class="check" key={t.type} title={t.description}><input type="checkbox" checked={events.includes(t.type)}
          onChange={e => setEvents(checked(e) ? [...events, t.type] : events.filter(x => x !== t.type))} /> {t.type}</label>
      ))}
    </fieldset>
  );
  return (
    <>
      {group('Session events', types.filter(t => SESSION_EVENTS.has(t.type)))}
      {group('Room monitor events', types.filter(t => !SESSION_EVENTS.has(t.type)))}
    </>
  );
}

function WebhookForm({ hook, onDone }: { hook: Webhook | null; onDone: (generatedSecret?: string) => void }) {
  const [name, setName] = useState(hook?.name ?? '');
  const [url, setUrl] = useState(hook?.url ?? '');
  const [secret, setSecret] = useState('');
  const [events, setEvents] = useState<string[]>(hook?.events ?? ['game.added']);
  const [format, setFormat] = useState<Format>(hook?.format ?? 'json');
  const [ordered, setOrdered] = useState(hook?.ordered ?? false);
  const [rateLimit, setRateLimit] = useState(hook?.rate_limit?.toString() ?? '');
  const [timeout, setTimeoutMs] = useState(hook?.timeout_ms?.toString() ?? '');
  const [types, setTypes] = useState<EventType[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => { loadEventTypes().then(setTypes).catch(e => setError(e.message)); }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { name, url, events, format, ordered,
      rate_limit: numberOrNull(rateLimit), timeout_ms: numberOrNull(timeout) };
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
        <Field label="Body format"><select value={format} onChange={e => setFormat(value(e) as Format)}>
          {FORMATS.map(([f, label]) => <option key={f} value={f}>{label}</option>)}
        </select></Field>
        <Field label="Rate limit (per second)" hint="Empty: as fast as the receiver answers">
          <input type="number" min="0.01" max="1000" step="any" value={rateLimit} onInput={e => setRateLimit(value(e))} /></Field>
        <Field label="Timeout (ms)" hint="Empty: the server's default">
          <input type="number" min="100" max="60000" step="1" value={timeout} onInput={e => setTimeoutMs(value(e))} /></Field>
      </div>
      <label class="check"><input type="checkbox" checked={ordered} onChange={e => setOrdered(checked(e))} /> Deliver in order, one at a time</label>
      {types ? <EventChoices types={types} events={events} setEvents={setEvents} /> : !error && <Loading />}
      <ErrorText error={error} />
      <div class="row"><button type="submit" class="primary">{hook ? 'Save' : 'Create webhook'}</button>
        <button type="button" onClick={() => onDone()}>Cancel</button></div>
    </form>
  );
}

// While it is open, the log and the webhook's record (its stats, failures) refresh every 2 s.
function DeliveryLog({ hook, onRefresh }: { hook: Webhook; onRefresh: () => void }) {
  const [log, setLog] = useState<Attempt[] | null>(null);
  const [error, setError] = useState('');
  const load = () => call<Attempt[]>('GET', `/api/webhooks/${hook.id}/logs?limit=50`).then(setLog).catch(e => setError(e.message));
  useEffect(() => {
    void load();
    const t = setInterval(() => { void load(); onRefresh(); }, 2000);
    return () => clearInterval(t);
  }, [hook.id]);
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
          <table class="stacked" data-testid="delivery-log">
            <thead><tr><th>Time</th><th>Event</th><th>Delivery</th><th>Attempt</th><th>Status</th><th>Duration</th><th>Error</th><th></th></tr></thead>
            <tbody>{log.map(a => (
              <tr key={a.id} class={a.success ? 'ok' : 'failed'}>
                <td class="sub">{formatDateTime(a.created_at)}</td><td class="lead">{a.event_type}</td>
                <td data-label="Delivery">{a.delivery_id}</td><td data-label="Attempt">{a.attempt}</td>
                <td><span class={`badge ${a.success ? 'played' : 'skipped'}`}>{a.status_code ?? 'no answer'}</span></td>
                <td data-label="Took">{a.duration_ms} ms</td><td data-label={a.error ? 'Error' : undefined}>{a.error ?? ''}</td>
                <td><button onClick={() => redeliver(a.delivery_id)}>Redeliver</button></td>
              </tr>))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

// The last 24 hours at a glance, from the stats the API returns with each webhook.
function StatsLine({ stats }: { stats: Stats }) {
  const latency = stats.p50_ms === null ? '' : ` · p50 ${stats.p50_ms} ms · p99 ${stats.p99_ms} ms`;
  return (
    <p class="muted" data-testid="webhook-stats">
      Last 24 h: {stats.delivered_24h} delivered · {stats.failed_24h} failed{latency}
      {stats.last_success_at && ` · last success ${formatDateTime(stats.last_success_at)}`}
      {stats.last_failure_at && ` · last failure ${formatDateTime(stats.last_failure_at)}`}
    </p>
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
  const rotate = (h: Webhook) => act(async () => {
    if (!confirm(`Give ${h.name} a new signing secret? The current one keeps signing too for 24 hours.`)) return;
    const rotated = await call<{ secret: string }>('POST', `/api/webhooks/${h.id}/rotate-secret`, { body: {} });
    setNotice(`New signing secret of ${h.name} (shown this once, keep it): ${rotated.secret}`);
  });
  const recover = (h: Webhook) => act(async () => {
    const since = new Date(Date.now() - DAY_MS).toISOString();
    const { recovered } = await call<{ recovered: number }>('POST', `/api/webhooks/${h.id}/recover`, { body: { since } });
    setNotice(`${count(recovered, 'failed delivery')} of the last 24 hours queued again for ${h.name}`);
  });
  if (!hooks) return <main><h1>Webhooks</h1><ErrorText error={error} />{!error && <Loading />}</main>;
  return (
    <main>
      <div class="row spread wrap"><h1>Webhooks</h1><button class="primary" onClick={() => setEditing('new')}>New webhook</button></div>
      <ErrorText error={error} />
      {notice && <p class="notice break" role="status">{notice}</p>}
      {editing && <Card title={editing === 'new' ? 'New webhook' : `Edit ${editing.name}`}>
        <WebhookForm key={editing === 'new' ? 'new' : editing.id} hook={editing === 'new' ? null : editing} onDone={generated => {
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
              <p class="muted">{FORMATS.find(([f]) => f === h.format)?.[1]}{h.ordered ? ' · in order' : ''}
                {h.rate_limit !== null ? ` · at most ${h.rate_limit}/s` : ''}{h.timeout_ms !== null ? ` · timeout ${h.timeout_ms} ms` : ''}</p>
              {!h.enabled && h.disabled_reason && <p class="error">Disabled because: {h.disabled_reason}</p>}
              <StatsLine stats={h.stats} />
            </div>
            <div class="row wrap">
              <button onClick={act(async () => { await call('POST', `/api/webhooks/test/${h.id}`); setNotice(`Test event sent to ${h.name}`); setOpen(h.id); })}>Send test</button>
              <button onClick={act(() => call('PATCH', `/api/webhooks/${h.id}`, { body: { enabled: !h.enabled } }))}>{h.enabled ? 'Disable' : 'Enable'}</button>
              <button onClick={() => setEditing(h)}>Edit</button>
              <button onClick={() => setOpen(open === h.id ? null : h.id)}>{open === h.id ? 'Hide log' : 'Delivery log'}</button>
              {h.enabled && h.stats.failed_24h > 0 && <button onClick={recover(h)}>Retry failed</button>}
              <button onClick={rotate(h)}>Rotate secret</button>
              <button class="danger" onClick={act(async () => { if (confirm(`Delete webhook ${h.name} and its log?`)) await call('DELETE', `/api/webhooks/${h.id}`); })}>Delete</button>
            </div>
          </div>
          {open === h.id && <DeliveryLog hook={h} onRefresh={load} />}
        </Card>
      ))}
    </main>
  );
}
