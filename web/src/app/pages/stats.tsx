import { useEffect, useState } from 'preact/hooks';
import { VoteCounts } from '../../shared/icons';
import type { Game } from '../../shared/types';
import { call } from '../state';
import { Card, ErrorText, Loading } from '../ui';

interface Stats {
  totalGames: number; enabledGames: number; totalPacks: number; totalSessions: number; activeSessions: number;
  totalGamesPlayed: number; totalVotes: number; mostPlayedGames: Game[]; topRatedGames: Game[];
}
interface PackMeta { name: string; total_count: number; total_plays: number }

// A horizontal bar chart drawn as SVG: one bar per item, scaled to the largest.
function BarChart({ items, label }: { items: { name: string; value: number }[]; label: string }) {
  const max = Math.max(1, ...items.map(i => i.value));
  const row = 26;
  return (
    <svg class="chart" viewBox={`0 0 400 ${items.length * row}`} role="img" aria-label={label} preserveAspectRatio="xMinYMin meet">
      {items.map((item, i) => (
        <g key={item.name} transform={`translate(0 ${i * row})`}>
          <text x="0" y="16" class="chart-label">{item.name.length > 24 ? item.name.slice(0, 23) + '…' : item.name}</text>
          <rect x="170" y="4" height="16" rx="3" width={Math.max(2, (item.value / max) * 190)} class="chart-bar" />
          <text x={176 + (item.value / max) * 190} y="16" class="chart-value">{item.value}</text>
        </g>
      ))}
    </svg>
  );
}

export function StatsPage() {
  const [stats, setStats] = useState<Stats | null>(null);
  const [packs, setPacks] = useState<PackMeta[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    Promise.all([call<Stats>('GET', '/api/stats'), call<PackMeta[]>('GET', '/api/games/meta/packs')])
      .then(([s, p]) => { setStats(s); setPacks(p); }).catch(e => setError(e.message));
  }, []);
  if (!stats) return <main><h1>Stats</h1><ErrorText error={error} />{!error && <Loading />}</main>;
  const totals: [string, number][] = [['Games', stats.totalGames], ['Enabled', stats.enabledGames], ['Packs', stats.totalPacks],
    ['Sessions', stats.totalSessions], ['Games played', stats.totalGamesPlayed], ['Votes', stats.totalVotes]];
  return (
    <main>
      <h1>Stats</h1>
      <div class="totals">{totals.map(([k, v]) => <div class="card total" key={k}><strong>{v}</strong><span>{k}</span></div>)}</div>
      <div class="grid-2">
        <Card title="Most played">
          {stats.mostPlayedGames.length ? <BarChart label="Most played games" items={stats.mostPlayedGames.slice(0, 10).map(g => ({ name: g.title, value: g.play_count }))} />
            : <p class="muted">Nothing played yet.</p>}
        </Card>
        <Card title="Most liked">
          <ol class="game-list">{stats.topRatedGames.slice(0, 10).map(g => (
            <li key={g.id}><span>{g.title}</span><span class="muted">score {g.popularity_score} · <VoteCounts up={g.upvotes} down={g.downvotes} /></span></li>))}</ol>
        </Card>
      </div>
      <Card title="Plays per pack">
        <BarChart label="Plays per pack" items={[...packs].sort((a, b) => b.total_plays - a.total_plays).map(p => ({ name: p.name, value: p.total_plays }))} />
      </Card>
    </main>
  );
}
