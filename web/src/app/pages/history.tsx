import { useEffect, useState } from 'preact/hooks';
import type { Session } from '../../shared/types';
import { call } from '../state';
import { Card, ErrorText, Link, Loading, count, formatTime } from '../ui';

const PAGE = 20;

export function HistoryPage() {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState('');
  const [page, setPage] = useState(0);
  useEffect(() => {
    call<Session[]>('GET', '/api/sessions')
      .then(s => setSessions([...s].sort((a, b) => b.created_at.localeCompare(a.created_at))))
      .catch(e => setError(e.message));
  }, []);
  if (error) return <main><h1>History</h1><ErrorText error={error} /></main>;
  if (!sessions) return <main><h1>History</h1><Loading /></main>;
  const pages = Math.max(1, Math.ceil(sessions.length / PAGE));
  const shown = sessions.slice(page * PAGE, (page + 1) * PAGE);
  const days = new Map<string, Session[]>();
  for (const s of shown) {
    const day = new Date(s.created_at).toLocaleDateString([], { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
    days.set(day, [...(days.get(day) ?? []), s]);
  }
  return (
    <main>
      <h1>History</h1>
      {sessions.length === 0 && <Card><p>No sessions yet.</p></Card>}
      {[...days].map(([day, list]) => (
        <Card key={day} title={day}>
          <ul class="session-list">
            {list.map(s => (
              <li key={s.id}>
                <Link href={`/sessions/${s.id}`}>Session #{s.id}{s.notes ? ` — ${s.notes}` : ''}</Link>
                <span class="muted">{formatTime(s.created_at)}{s.closed_at ? `–${formatTime(s.closed_at)}` : ''} · {count(s.games_played, 'game')}
                  {s.is_active ? <> <strong class="badge live">active</strong></> : null}</span>
              </li>
            ))}
          </ul>
        </Card>
      ))}
      {pages > 1 && (
        <nav class="row pager" aria-label="Pages">
          <button disabled={page === 0} onClick={() => setPage(page - 1)}>Newer</button>
          <span>Page {page + 1} of {pages}</span>
          <button disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Older</button>
        </nav>
      )}
    </main>
  );
}
