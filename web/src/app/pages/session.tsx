import { useEffect, useState } from 'preact/hooks';
import { VoteCounts } from '../../shared/icons';
import type { SessionGame } from '../../shared/types';
import { call, isAdmin, navigate } from '../state';
import { Card, ErrorText, Loading, count, downloadFile, formatDateTime, formatTime, readFile } from '../ui';
import { useSessionWatch } from './now';

interface VoteRow { game_id: number; title: string; upvotes: number; downvotes: number; net_score: number; total_votes: number }
interface ChatImport {
  messagesProcessed: number; votesFound: number; votesRecorded: number; duplicatesSkipped: number; unmatched: number;
  gameVotes: { sessionGameId: number; title: string; upvotes: number; downvotes: number }[];
}

function ChatImportForm({ sessionId, onDone }: { sessionId: number; onDone: () => void }) {
  const [result, setResult] = useState<ChatImport | null>(null);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(''); setResult(null);
    try {
      const text = await readFile((e.currentTarget as HTMLFormElement).elements.namedItem('chat') as HTMLInputElement);
      let data: unknown;
      try { data = JSON.parse(text); } catch { throw new Error('The file is not JSON: expected [{username, message, timestamp}, …]'); }
      setResult(await call('POST', `/api/sessions/${sessionId}/chat-import`, { body: Array.isArray(data) ? { chatData: data } : data }));
      onDone();
    } catch (err) { setError((err as Error).message); }
  };
  return (
    <form class="stack" onSubmit={submit}>
      <label class="field"><span>Chat log (JSON)</span><input type="file" name="chat" accept=".json,application/json" required /></label>
      <button type="submit">Import chat log</button>
      <ErrorText error={error} />
      {result && (
        <div class="notice" role="status" data-testid="chat-result">
          <p>{result.messagesProcessed} messages read: {result.votesFound} votes found, {result.votesRecorded} counted,
            {' '}{result.duplicatesSkipped} duplicates ignored, {result.unmatched} outside any game ignored.</p>
          <ul>{result.gameVotes.map(g => <li key={g.sessionGameId}>{g.title}: <VoteCounts up={g.upvotes} down={g.downvotes} /></li>)}</ul>
        </div>
      )}
    </form>
  );
}

export function SessionPage({ id }: { id: number }) {
  const watch = useSessionWatch(id);
  const [votes, setVotes] = useState<VoteRow[]>([]);
  const [error, setError] = useState('');
  const session = watch.session.value;
  const games: SessionGame[] = watch.games.value;
  const loadVotes = () => call<{ votes: VoteRow[] }>('GET', `/api/sessions/${id}/votes`).then(v => setVotes(v.votes)).catch(() => undefined);
  useEffect(() => { void loadVotes(); }, [id, games]);

  const exportAs = async (format: 'json' | 'txt') => {
    setError('');
    try {
      const body = await call<unknown>('GET', `/api/sessions/${id}/export?format=${format}`);
      downloadFile(`session-${id}.${format}`, format === 'json' ? 'application/json' : 'text/plain',
        typeof body === 'string' ? body : JSON.stringify(body, null, 2));
    } catch (e) { setError((e as Error).message); }
  };
  const remove = async () => {
    if (!confirm(`Delete session #${id} and its games for good?`)) return;
    try { await call('DELETE', `/api/sessions/${id}`); navigate('/history'); }
    catch (e) { setError((e as Error).message); }
  };

  if (watch.loading.value) return <main><Loading /></main>;
  if (!session) return <main><h1>Session #{id}</h1><ErrorText error={watch.error.value || 'Session not found'} /></main>;
  return (
    <main>
      <div class="row spread wrap">
        <h1>Session #{session.id}{session.notes ? ` — ${session.notes}` : ''}</h1>
        {isAdmin.value && (
          <div class="row wrap">
            <button onClick={() => exportAs('json')}>Export JSON</button>
            <button onClick={() => exportAs('txt')}>Export text</button>
            <button class="danger" onClick={remove} disabled={!!session.is_active}
                    title={session.is_active ? 'Close the session first' : undefined}>Delete</button>
          </div>
        )}
      </div>
      <p class="muted">{formatDateTime(session.created_at)} – {session.closed_at ? formatDateTime(session.closed_at) : 'still running'} · {count(session.games_played, 'game')}</p>
      <ErrorText error={error} />
      <Card title="Games">
        {games.length === 0 ? <p class="muted">No games in this session.</p> : (
          <div class="table-wrap">
            <table class="stacked">
              <thead><tr><th>#</th><th>Game</th><th>Status</th><th>Started</th><th>Room</th><th>Players</th><th>Votes</th></tr></thead>
              <tbody>
                {games.map((g, i) => {
                  const v = votes.find(r => r.game_id === g.game_id);
                  return (
                    <tr key={g.id}>
                      <td data-label="#">{i + 1}</td><td class="lead">{g.title}<br /><small class="muted">{g.pack_name}</small></td>
                      <td><span class={`badge ${g.status}`}>{g.status}</span></td><td data-label="Started">{formatTime(g.played_at)}</td>
                      <td data-label="Room">{g.room_code ?? '—'}</td><td data-label="Players">{g.player_count ?? '—'}</td>
                      <td data-label="Votes">{v ? <><VoteCounts up={v.upvotes} down={v.downvotes} /> ({v.net_score >= 0 ? '+' : ''}{v.net_score})</> : '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {isAdmin.value && <Card title="Import chat votes"><ChatImportForm sessionId={id} onDone={() => void watch.reload()} /></Card>}
    </main>
  );
}
