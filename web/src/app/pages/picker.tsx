import { useEffect, useState } from 'preact/hooks';
import type { Game } from '../../shared/types';
import { call, isAdmin } from '../state';
import { Card, ErrorText, Field, Link, checked, players, value } from '../ui';
import { RoomCode, useSessionWatch } from './now';

interface Filters {
  playerCount: string; drawing: '' | 'only' | 'exclude'; length: '' | 'short' | 'medium' | 'long';
  familyFriendly: boolean; excludePlayed: boolean;
}

// Why the picked game qualified, in words, from the filters used.
function reasons(game: Game, f: Filters): string[] {
  const out = [];
  if (f.playerCount) out.push(`plays ${f.playerCount} (${players(game.min_players, game.max_players)})`);
  if (f.drawing === 'only') out.push('is a drawing game');
  if (f.drawing === 'exclude') out.push('is not a drawing game');
  if (f.length) out.push(`is ${f.length} (${game.length_minutes ?? '?'} min)`);
  if (f.familyFriendly) out.push('is family-friendly');
  if (f.excludePlayed) out.push('has not been played this session');
  if (game.favor_bias > 0) out.push('is favored (picked more often)');
  out.push('is enabled and was not one of the last games');
  return out;
}

export function PickerPage() {
  const watch = useSessionWatch();
  const session = watch.session.value?.is_active ? watch.session.value : null;
  const [f, setF] = useState<Filters>({ playerCount: '', drawing: '', length: '', familyFriendly: false, excludePlayed: false });
  const [pick, setPick] = useState<{ game: Game; poolSize: number } | null>(null);
  const [room, setRoom] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState('');
  const set = (patch: Partial<Filters>) => setF({ ...f, ...patch });

  const doPick = async () => {
    setBusy(true); setError(''); setAdded('');
    const body: Record<string, unknown> = {};
    if (f.playerCount) body.playerCount = Number(f.playerCount);
    if (f.drawing) body.drawing = f.drawing;
    if (f.length) body.length = f.length;
    if (f.familyFriendly) body.familyFriendly = true;
    if (session) body.sessionId = session.id;
    if (f.excludePlayed) body.excludePlayed = true;
    try { setPick(await call('POST', '/api/pick', { body })); }
    catch (e) { setPick(null); setError((e as Error).message); }
    finally { setBusy(false); }
  };
  const playThis = async () => {
    if (!pick || !session) return;
    setError('');
    try {
      await call('POST', `/api/sessions/${session.id}/games`,
        { body: room ? { game_id: pick.game.id, room_code: room.toUpperCase() } : { game_id: pick.game.id } });
      setAdded(`${pick.game.title} added to session #${session.id}`);
      setRoom('');
      void watch.reload();
    } catch (e) { setError((e as Error).message); }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.code === 'Space' && !['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(target.tagName)) {
        e.preventDefault();
        void doPick();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  return (
    <main>
      <h1>Picker</h1>
      <div class="grid-2">
        <Card title="Filters">
          <form class="stack" onSubmit={e => { e.preventDefault(); void doPick(); }}>
            <Field label="Player count">
              <input type="number" min={1} max={100} value={f.playerCount} onInput={e => set({ playerCount: value(e) })} />
            </Field>
            <Field label="Drawing games">
              <select value={f.drawing} onChange={e => set({ drawing: value(e) as Filters['drawing'] })}>
                <option value="">include</option><option value="exclude">exclude</option><option value="only">only</option>
              </select>
            </Field>
            <Field label="Length">
              <select value={f.length} onChange={e => set({ length: value(e) as Filters['length'] })}>
                <option value="">any</option><option value="short">short (≤ 15 min)</option>
                <option value="medium">medium (16–25 min)</option><option value="long">long (&gt; 25 min)</option>
              </select>
            </Field>
            <label class="check"><input type="checkbox" checked={f.familyFriendly} onChange={e => set({ familyFriendly: checked(e) })} /> Family-friendly only</label>
            <label class="check"><input type="checkbox" checked={f.excludePlayed} disabled={!session}
                   onChange={e => set({ excludePlayed: checked(e) })} /> Exclude games played this session</label>
            <button type="submit" class="primary big-button" disabled={busy}>{pick ? 'Re-roll' : 'Pick'}</button>
            <small class="muted">Space picks too.</small>
          </form>
        </Card>
        <Card title="Pick" class="pick">
          <ErrorText error={error} />
          {pick ? (
            <div class="stack" data-testid="pick">
              <h2 class="title">{pick.game.title}</h2>
              <p>{pick.game.pack_name} · {players(pick.game.min_players, pick.game.max_players)}
                {pick.game.length_minutes ? ` · ${pick.game.length_minutes} min` : ''}{pick.game.game_type ? ` · ${pick.game.game_type}` : ''}</p>
              <p class="muted">Chosen from <strong data-testid="pool-size">{pick.poolSize}</strong> eligible games: it {reasons(pick.game, f).join(', ')}.</p>
              {isAdmin.value && (session ? (
                <form class="row wrap" onSubmit={e => { e.preventDefault(); void playThis(); }}>
                  <Field label="Room code (optional)"><input value={room} maxLength={4} size={6} onInput={e => setRoom(value(e))} /></Field>
                  <button type="submit" class="primary">Play this</button>
                </form>
              ) : <p class="muted">Start a session on <Link href="/">Now</Link> to play it.</p>)}
              {added && <p class="notice" role="status">{added}</p>}
              {added && session && <RoomCode code={watch.games.value[watch.games.value.length - 1]?.room_code ?? null} />}
            </div>
          ) : <p class="muted">Set the filters and press Pick.</p>}
        </Card>
      </div>
    </main>
  );
}
