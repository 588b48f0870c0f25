import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import './app.css';
import { feed, isAdmin, logOut, navigate, path, theme, toggleTheme } from './state';
import { Link } from './ui';
import { GamesPage } from './pages/games';
import { HistoryPage } from './pages/history';
import { LoginPage } from './pages/login';
import { NowPage } from './pages/now';
import { PickerPage } from './pages/picker';
import { SessionPage } from './pages/session';
import { StatsPage } from './pages/stats';
import { WebhooksPage } from './pages/webhooks';

const NAV: [string, string, boolean][] = [
  ['/', 'Now', false], ['/picker', 'Picker', false], ['/history', 'History', false], ['/games', 'Games', false],
  ['/stats', 'Stats', false], ['/webhooks', 'Webhooks', true],
];

function LiveBadge() {
  const status = feed.status.value;
  if (status === 'off') return null;
  const text = status === 'live' ? 'live' : status === 'reconnecting' ? 'reconnecting…' : 'connecting…';
  return <span class={`badge ${status}`} role="status" data-testid="live-status">{text}</span>;
}

function Page() {
  const p = path.value;
  const session = /^\/sessions\/(\d+)$/.exec(p);
  if (p === '/login') return <LoginPage />;
  if (p === '/') return <NowPage />;
  if (p === '/picker') return <PickerPage />;
  if (p === '/history') return <HistoryPage />;
  if (session) return <SessionPage id={Number(session[1])} />;
  if (p === '/games') return <GamesPage />;
  if (p === '/stats') return <StatsPage />;
  if (p === '/webhooks') {
    if (!isAdmin.value) { navigate('/login', true); return null; }
    return <WebhooksPage />;
  }
  return <main><h1>Not found</h1><p>There is no page at {p}. <Link href="/">Go to Now</Link>.</p></main>;
}

function App() {
  useEffect(() => { document.documentElement.dataset.theme = theme.value; }, [theme.value]);
  const current = path.value;
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">gamepicker</Link>
        <nav aria-label="Main">
          {NAV.filter(([, , admin]) => !admin || isAdmin.value).map(([href, label]) => (
            <Link key={href} href={href} class={current === href ? 'active' : ''}>{label}</Link>
          ))}
        </nav>
        <div class="row tools">
          <LiveBadge />
          <button onClick={toggleTheme} aria-label="Toggle dark and light theme">{theme.value === 'dark' ? 'Light' : 'Dark'}</button>
          {isAdmin.value ? <button onClick={() => { logOut(); navigate('/'); }}>Log out</button>
            : current !== '/login' && <Link href="/login" class="button">Log in</Link>}
        </div>
      </header>
      <Page />
    </>
  );
}

render(<App />, document.getElementById('root')!);
