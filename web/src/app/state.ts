// App-wide state: the admin token (localStorage), the current path (client-side
// routing), the theme, and the one live feed.
import { computed, signal } from '@preact/signals';
import { ApiError, request, type RequestOptions } from '../shared/http';
import { LiveFeed, tokenExpiry } from '../shared/live';

const TOKEN_KEY = 'gamepicker.token';
const THEME_KEY = 'gamepicker.theme';

export const path = signal(location.pathname);
export const search = signal(location.search);

export function navigate(to: string, replace = false) {
  if (replace) history.replaceState(null, '', to); else history.pushState(null, '', to);
  path.value = location.pathname;
  search.value = location.search;
  window.scrollTo(0, 0);
}
window.addEventListener('popstate', () => { path.value = location.pathname; search.value = location.search; });

function storedToken(): string | null {
  const t = localStorage.getItem(TOKEN_KEY);
  return t && tokenExpiry(t) * 1000 > Date.now() ? t : null;
}
export const token = signal<string | null>(storedToken());
export const loginMessage = signal(localStorage.getItem(TOKEN_KEY) && !token.value ? 'Your session expired: log in again.' : '');
export const isAdmin = computed(() => token.value !== null);

export function logIn(t: string) {
  localStorage.setItem(TOKEN_KEY, t);
  loginMessage.value = '';
  token.value = t;
  feed.stop();
  feed.start();
}

export function logOut(message = '') {
  localStorage.removeItem(TOKEN_KEY);
  token.value = null;
  feedToken = null;
  loginMessage.value = message;
  feed.stop();
}

// Calls the API with the admin token; a refused token logs out and goes to /login.
export async function call<T>(method: string, url: string, opts: RequestOptions = {}): Promise<T> {
  try {
    return await request<T>(method, url, { ...opts, token: token.value });
  } catch (e) {
    if (e instanceof ApiError && token.value && (e.status === 401 || e.status === 403)) {
      logOut('Your session expired or the key was refused: log in again.');
      navigate('/login');
    }
    throw e;
  }
}

// The live feed authenticates with a short feed token, renewed with the admin token
// before it expires, so the admin token itself never travels over the socket.
let feedToken: string | null = null;
async function getFeedToken(fresh: boolean): Promise<string | null> {
  if (!token.value) return null;
  if (!fresh && feedToken && tokenExpiry(feedToken) * 1000 > Date.now() + 60_000) return feedToken;
  try {
    feedToken = (await call<{ token: string }>('POST', '/api/auth/feed-token', { body: { ttl_seconds: 3600 } })).token;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 0) return null;  // unreachable: the socket retries
  }
  return feedToken;
}
export const feed = new LiveFeed(getFeedToken);
if (token.value) feed.start();

export type Theme = 'light' | 'dark';
const systemDark = matchMedia('(prefers-color-scheme: dark)');
export const theme = signal<Theme>((localStorage.getItem(THEME_KEY) as Theme | null) ?? (systemDark.matches ? 'dark' : 'light'));
systemDark.addEventListener('change', e => { if (!localStorage.getItem(THEME_KEY)) theme.value = e.matches ? 'dark' : 'light'; });
export function toggleTheme() {
  theme.value = theme.value === 'dark' ? 'light' : 'dark';
  localStorage.setItem(THEME_KEY, theme.value);
}
