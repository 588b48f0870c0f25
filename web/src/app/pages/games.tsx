import { useEffect, useState } from 'preact/hooks';
import type { Game } from '../../shared/types';
import { call, isAdmin } from '../state';
import { Card, ErrorText, Field, Loading, checked, downloadFile, readFile, value } from '../ui';

interface PackMeta { name: string; favor_bias: number; total_count: number; enabled_count: number; total_plays: number }
type SortKey = 'title' | 'pack_name' | 'min_players' | 'length_minutes' | 'play_count' | 'popularity_score';
const FAVOR = [[1, 'favor'], [0, 'neutral'], [-1, 'disfavor']] as const;

function FavorSelect({ value: v, onChange, label }: { value: number; onChange: (n: number) => void; label: string }) {
  return (
    <select aria-label={label} value={v} onChange={e => onChange(Number(value(e)))}>
      {FAVOR.map(([n, name]) => <option key={n} value={n}>{name}</option>)}
    </select>
  );
}

const EMPTY = { pack_name: '', title: '', min_players: '1', max_players: '8', length_minutes: '', game_type: '', family_friendly: true, has_audience: false };
type Draft = typeof EMPTY;

function GameForm({ game, onDone }: { game: Game | null; onDone: () => void }) {
  const [d, setD] = useState<Draft>(game ? {
    pack_name: game.pack_name, title: game.title, min_players: String(game.min_players), max_players: String(game.max_players),
    length_minutes: game.length_minutes?.toString() ?? '', game_type: game.game_type ?? '',
    family_friendly: !!game.family_friendly, has_audience: !!game.has_audience,
  } : EMPTY);
  const [error, setError] = useState('');
  const set = (p: Partial<Draft>) => setD({ ...d, ...p });
  const save = async (e: Event) => {
    e.preventDefault();
    const body = {
      pack_name: d.pack_name, title: d.title, min_players: Number(d.min_players), max_players: Number(d.max_players),
      length_minutes: d.length_minutes ? Number(d.length_minutes) : null, game_type: d.game_type || null,
      family_friendly: d.family_friendly, has_audience: d.has_audience,
    };
    try {
      await call(game ? 'PUT' : 'POST', game ? `/api/games/${game.id}` : '/api/games', { body });
      onDone();
    } catch (err) { setError((err as Error).message); }
  };
  return (
    <form class="stack" onSubmit={save}>
      <div class="grid-form">
        <Field label="Title"><input required value={d.title} onInput={e => set({ title: value(e) })} /></Field>
        <Field label="Pack"><input required value={d.pack_name} onInput={e => set({ pack_name: value(e) })} /></Field>
        <Field label="Min players"><input type="number" min={1} value={d.min_players} onInput={e => set({ min_players: value(e) })} /></Field>
        <Field label="Max players"><input type="number" min={1} value={d.max_players} onInput={e => set({ max_players: value(e) })} /></Field>
        <Field label="Length (minutes)"><input type="number" min={0} value={d.length_minutes} onInput={e => set({ length_minutes: value(e) })} /></Field>
        <Field label="Game type"><input value={d.game_type} onInput={e => set({ game_type: value(e) })} /></Field>
      </div>
      <label class="check"><input type="checkbox" checked={d.family_friendly} onChange={e => set({ family_friendly: checked(e) })} /> Family-friendly</label>
      <label class="check"><input type="checkbox" checked={d.has_audience} onChange={e => set({ has_audience: checked(e) })} /> Has an audience</label>
      <ErrorText error={error} />
      <div class="row"><button type="submit" class="primary">{game ? 'Save' : 'Create game'}</button>
        <button type="button" onClick={onDone}>Cancel</button></div>
    </form>
  );
}

function CsvTools({ onDone }: { onDone: () => void }) {
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const importCsv = async (e: Event) => {
    e.preventDefault();
    setError(''); setMessage('');
    try {
      const csv = await readFile((e.currentTarget as HTMLFormElement).elements.namedItem('csv') as HTMLInputElement);
      const r = await call<{ message: string }>('POST', '/api/games/import/csv', { raw: csv, contentType: 'text/csv' });
      setMessage(r.message);
      onDone();
    } catch (err) { setError((err as Error).message); }
  };
  const exportCsv = async () => {
    try { downloadFile('games.csv', 'text/csv', await call<string>('GET', '/api/games/export/csv')); }
    catch (err) { setError((err as Error).message); }
  };
  return (
    <div class="stack">
      <form class="row wrap" onSubmit={importCsv}>
        <label class="field"><span>CSV file</span><input type="file" name="csv" accept=".csv,text/csv" required /></label>
        <button type="submit">Import CSV</button>
        <button type="button" onClick={exportCsv}>Export CSV</button>
      </form>
      <ErrorText error={error} />
      {message && <p class="notice" role="status">{message}</p>}
    </div>
  );
}

export function GamesPage() {
  const [games, setGames] = useState<Game[] | null>(null);
  const [packs, setPacks] = useState<PackMeta[]>([]);
  const [error, setError] = useState('');
  const [q, setQ] = useState('');
  const [pack, setPack] = useState('');
  const [players, setPlayers] = useState('');
  const [onlyEnabled, setOnlyEnabled] = useState(false);
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'title', dir: 1 });
  const [editing, setEditing] = useState<Game | 'new' | null>(null);
  const load = () => Promise.all([call<Game[]>('GET', '/api/games'), call<PackMeta[]>('GET', '/api/games/meta/packs')])
    .then(([g, p]) => { setGames(g); setPacks(p); }).catch(e => setError(e.message));
  useEffect(() => { void load(); }, []);
  const act = (fn: () => Promise<unknown>) => async () => {
    setError('');
    try { await fn(); await load(); } catch (e) { setError((e as Error).message); }
  };
  if (!games) return <main><h1>Games</h1><ErrorText error={error} />{!error && <Loading />}</main>;

  const needle = q.trim().toLowerCase();
  const n = Number(players);
  const shown = games.filter(g => (!needle || g.title.toLowerCase().includes(needle) || g.pack_name.toLowerCase().includes(needle))
    && (!pack || g.pack_name === pack) && (!players || (g.min_players <= n && n <= g.max_players)) && (!onlyEnabled || g.enabled))
    .sort((a, b) => {
      const x = a[sort.key] ?? 0, y = b[sort.key] ?? 0;
      return (typeof x === 'string' ? x.localeCompare(String(y)) : (x as number) - (y as number)) * sort.dir;
    });
  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      <button class="link" onClick={() => setSort({ key, dir: sort.key === key ? (-sort.dir as 1 | -1) : 1 })}>
        {label}{sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</button>
    </th>
  );
  return (
    <main>
      <div class="row spread wrap">
        <h1>Games <small class="muted">{shown.length} of {games.length}</small></h1>
        {isAdmin.value && <button class="primary" onClick={() => setEditing('new')}>New game</button>}
      </div>
      <ErrorText error={error} />
      {editing && <Card title={editing === 'new' ? 'New game' : `Edit ${editing.title}`}>
        <GameForm game={editing === 'new' ? null : editing} onDone={() => { setEditing(null); void load(); }} /></Card>}
      {isAdmin.value && <Card title="Import and export"><CsvTools onDone={() => void load()} /></Card>}
      <Card>
        <div class="row wrap filters">
          <Field label="Search"><input type="search" value={q} onInput={e => setQ(value(e))} placeholder="title or pack" /></Field>
          <Field label="Pack"><select value={pack} onChange={e => setPack(value(e))}>
            <option value="">all packs</option>{packs.map(p => <option key={p.name}>{p.name}</option>)}</select></Field>
          <Field label="Players"><input type="number" min={1} value={players} size={4} onInput={e => setPlayers(value(e))} /></Field>
          <label class="check"><input type="checkbox" checked={onlyEnabled} onChange={e => setOnlyEnabled(checked(e))} /> Enabled only</label>
        </div>
        <div class="table-wrap">
          <table class="games stacked">
            <thead><tr>{header('title', 'Title')}{header('pack_name', 'Pack')}{header('min_players', 'Players')}
              {header('length_minutes', 'Length')}{header('play_count', 'Plays')}{header('popularity_score', 'Score')}
              <th>Enabled</th><th>Favor</th>{isAdmin.value && <th>Actions</th>}</tr></thead>
            <tbody>
              {shown.map(g => (
                <tr key={g.id} class={g.enabled ? '' : 'disabled'}>
                  <td class="lead">{g.title}</td><td class="sub">{g.pack_name}</td><td data-label="Players">{g.min_players}–{g.max_players}</td>
                  <td data-label="Length">{g.length_minutes ? `${g.length_minutes} min` : '—'}</td>
                  <td data-label="Plays">{g.play_count}</td><td data-label="Score">{g.popularity_score}</td>
                  <td data-label="Enabled">{isAdmin.value
                    ? <input type="checkbox" aria-label={`${g.title} enabled`} checked={!!g.enabled} onChange={act(() => call('PATCH', `/api/games/${g.id}/toggle`))} />
                    : g.enabled ? 'yes' : 'no'}</td>
                  <td data-label="Favor">{isAdmin.value
                    ? <FavorSelect label={`${g.title} favor`} value={g.favor_bias} onChange={n => void act(() => call('PATCH', `/api/games/${g.id}/favor`, { body: { favor_bias: n } }))()} />
                    : FAVOR.find(f => f[0] === g.favor_bias)?.[1]}</td>
                  {isAdmin.value && <td class="row">
                    <button onClick={() => setEditing(g)}>Edit</button>
                    <button class="danger" onClick={act(async () => { if (confirm(`Delete ${g.title}?`)) await call('DELETE', `/api/games/${g.id}`); })}>Delete</button>
                  </td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <Card title="Packs">
        <div class="table-wrap">
          <table class="stacked">
            <thead><tr><th>Pack</th><th>Games</th><th>Enabled</th><th>Plays</th><th>Favor</th>{isAdmin.value && <th>Actions</th>}</tr></thead>
            <tbody>{packs.map(p => (
              <tr key={p.name}>
                <td class="lead">{p.name}</td><td data-label="Games">{p.total_count}</td><td data-label="Enabled">{p.enabled_count}</td>
                <td data-label="Plays">{p.total_plays}</td>
                <td data-label="Favor">{isAdmin.value
                  ? <FavorSelect label={`${p.name} favor`} value={p.favor_bias} onChange={n => void act(() => call('PATCH', `/api/games/packs/${encodeURIComponent(p.name)}/favor`, { body: { favor_bias: n } }))()} />
                  : FAVOR.find(f => f[0] === p.favor_bias)?.[1]}</td>
                {isAdmin.value && <td class="row">
                  <button onClick={act(() => call('PATCH', `/api/games/packs/${encodeURIComponent(p.name)}/toggle`, { body: { enabled: true } }))}>Enable all</button>
                  <button onClick={act(() => call('PATCH', `/api/games/packs/${encodeURIComponent(p.name)}/toggle`, { body: { enabled: false } }))}>Disable all</button>
                </td>}
              </tr>))}
            </tbody>
          </table>
        </div>
      </Card>
    </main>
  );
}
