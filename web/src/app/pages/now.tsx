import { useEffect, useMemo, useState } from 'preact/hooks';
import { VoteCounts } from '../../shared/icons';
import { currentGame, SessionWatch } from '../../shared/session-watch';
import type { SessionGame } from '../../shared/types';
import { call, feed, isAdmin } from '../state';
import { Card, ErrorText, Field, Link, Loading, formatTime, players, value } from '../ui';

export function useSessionWatch(id?: number) {
  const watch = useMemo(() => new SessionWatch(feed, id), [id]);
  useEffect(() => { watch.start(); return () => watch.stop(); }, [watch]);
  return watch;
}

export function Tally({ game }: { game: { upvotes: number; downvotes: number; popularity_score: number } }) {
  return (
    <div class="tally">
      <VoteCounts up={game.upvotes} down={game.downvotes} testId="tally" />
      <span data-testid="score">score {game.popularity_score}</span>
    </div>
  );
}

export function RoomCode({ code }: { code: string | null }) {
  const [copied, setCopied] = useState(false);
  if (!code) return <span class="muted">no room code</span>;
  const copy = async () => {
    await navigator.clipboard?.writeText(code).catch(() => undefined);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button class="room-code" onClick={copy} title="Copy the room code" aria-label={`Room code ${code}, copy`}>
      {code}<small>{copied ? 'copied' : 'copy'}</small>
    </button>
  );
}

function CopyOverlayUrl() {
  const [state, setState] = useState('');
  const copy = async () => {
    try {
      const { token } = await call<{ token: string }>('POST', '/api/auth/feed-token', { body: {} });
      const url = `${location.origin}/overlay?token=${encodeURIComponent(token)}`;
      // The clipboard API exists only on https and localhost: elsewhere show the URL to copy.
      if (navigator.clipboard) await navigator.clipboard.writeText(url);
      else prompt('Overlay URL (valid 30 days):', url);
      setState('Copied');
    } catch (e) { setState((e as Error).message); }
    setTimeout(() => setState(''), 2500);
  };
  return <button onClick={copy} title="A URL for an OBS browser source, with a 30-day live-feed token">{state || 'Copy overlay URL'}</button>;
}

function StartSession({ onDone }: { onDone: () => void }) {
  const [notes, setNotes] = useState('');
  const [error, setError] = useState('');
  const start = async (e: Event) => {
    e.preventDefault();
    try {
      await call('POST', '/api/sessions', { body: notes ? { notes } : {} });
      onDone();
    } catch (err) { setError((err as Error).message); }
  };
  return (
    <form class="stack" onSubmit={start}>
      <Field label="Notes (optional)"><input value={notes} onInput={e => setNotes(value(e))} /></Field>
      <ErrorText error={error} />
      <button class="primary" type="submit">Start a session</button>
    </form>
  );
}

function GameAdmin({ sessionId, game, onDone }: { sessionId: number; game: SessionGame; onDone: () => void }) {
  const [room, setRoom] = useState(game.room_code ?? '');
  const [count, setCount] = useState(game.player_count?.toString() ?? '');
  const [error, setError] = useState('');
  const base = `/api/sessions/${sessionId}/games/${game.id}`;
  const act = (fn: () => Promise<unknown>) => async (e?: Event) => {
    e?.preventDefault();
    setError('');
    try { await fn(); onDone(); } catch (err) { setError((err as Error).message); }
  };
  return (
    <div class="stack">
      <div class="row wrap">
        <form class="row" onSubmit={act(() => call('PATCH', `${base}/room-code`, { body: { room_code: room.toUpperCase() } }))}>
          <Field label="Room code"><input value={room} maxLength={4} size={5} onInput={e => setRoom(value(e))} /></Field>
          <button type="submit">Set</button>
        </form>
        <form class="row" onSubmit={act(() => call('PATCH', `${base}/player-count`, { body: { player_count: Number(count) } }))}>
          <Field label="Player count"><input type="number" min={1} max={100} value={count} size={4} onInput={e => setCount(value(e))} /></Field>
          <button type="submit">Set</button>
        </form>
      </div>
      <div class="row wrap">
        <button onClick={act(() => call('PATCH', `${base}/status`, { body: { status: 'played' } }))}>Mark played</button>
        <button onClick={act(() => call('PATCH', `${base}/status`, { body: { status: 'skipped' } }))}>Skip</button>
        <button class="danger" onClick={act(async () => {
          if (confirm(`Remove ${game.title} from this session?`)) await call('DELETE', base);
        })}>Remove</button>
      </div>
      <ErrorText error={error} />
    </div>
  );
}

export function NowPage() {
  const watch = useSessionWatch();
  const [closeError, setCloseError] = useState('');
  const session = watch.session.value;
  const games = watch.games.value;
  if (watch.loading.value) return <main><Loading /></main>;
  const reload = () => void watch.reload();
  if (!session || !session.is_active) {
    return (
      <main class="narrow">
        <h1>Now</h1>
        <ErrorText error={watch.error.value} />
        <Card class="empty">
          <p class="big">No session is running.</p>
          {isAdmin.value ? <StartSession onDone={reload} /> : <p class="muted">The host starts one when game night begins.</p>}
          <p><Link href="/history">See past sessions</Link></p>
        </Card>
      </main>
    );
  }
  const now = currentGame(games);
  const close = async () => {
    if (!confirm('Close this session? It moves to History.')) return;
    try { await call('POST', `/api/sessions/${session.id}/close`, { body: {} }); reload(); }
    catch (err) { setCloseError((err as Error).message); }
  };
  return (
    <main>
      <div class="row spread wrap">
        <h1>Session #{session.id}{session.notes ? ` — ${session.notes}` : ''}</h1>
        {isAdmin.value && <div class="row wrap"><CopyOverlayUrl /><button class="danger" onClick={close}>Close session</button></div>}
      </div>
      <ErrorText error={watch.error.value || closeError} />
      <Card class="now-playing">
        {now ? (
          <div class="stack" data-testid="now-playing">
            <p class="muted">{now.status === 'playing' ? 'Now playing' : 'Last game'}</p>
            <h2 class="title">{now.title}</h2>
            <p>{now.pack_name} · {players(now.min_players, now.max_players)}{now.length_minutes ? ` · ${now.length_minutes} min` : ''}</p>
            <div class="row wrap">
              <RoomCode code={now.room_code} />
              <span class="players" data-testid="player-count">{now.player_count === null ? 'player count not set' : `${now.player_count} players`}</span>
            </div>
            <Tally game={now} />
            {isAdmin.value && <GameAdmin key={now.id} sessionId={session.id} game={now} onDone={reload} />}
          </div>
        ) : (
          <div class="stack">
            <p class="big">No game yet.</p>
            <p><Link href="/picker" class="button primary">Pick a game</Link></p>
          </div>
        )}
      </Card>
      <Card title={`Played so far (${games.length})`}>
        <ol class="game-list">
          {games.map(g => (
            <li key={g.id} class={`status-${g.status}`}>
              <span>{g.title}</span>
              <span class="muted">{formatTime(g.played_at)} · {g.status}</span>
            </li>
          ))}
        </ol>
      </Card>
    </main>
  );
}
