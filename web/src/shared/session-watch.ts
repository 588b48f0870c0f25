// Keeps one session's state (the session, its games with their vote totals) current:
// loaded over HTTP, then updated by live events; reloaded after every (re)subscription
// so nothing is missed. Follows the active session unless given a session id. Without
// a live feed (no token) it polls instead.
import { signal } from '@preact/signals';
import { request } from './http';
import { eventSessionId, LiveFeed } from './live';
import type { LiveEvent, Session, SessionGame } from './types';

const POLL_MS = 5_000;

export class SessionWatch {
  readonly session = signal<Session | null>(null);
  readonly games = signal<SessionGame[]>([]);
  readonly loading = signal(true);
  readonly error = signal('');
  readonly lastAdded = signal<{ id: number; at: number } | null>(null);
  private cleanups: (() => void)[] = [];
  private generation = 0;
  private loadsInFlight = 0;
  private stale = false;  // an event arrived while a load was in flight: load again after it

  constructor(private feed: LiveFeed | null, private fixedId?: number) {}

  start() {
    void this.reload();
    if (this.feed) {
      this.cleanups.push(this.feed.on(e => this.apply(e)));
      this.cleanups.push(this.feed.onResync(id => { if (id === this.session.value?.id) void this.reload(); }));
    }
    const poll = window.setInterval(() => {
      if (!this.feed || this.feed.status.value === 'off') void this.reload(true);
    }, POLL_MS);
    this.cleanups.push(() => clearInterval(poll));
  }

  stop() {
    for (const c of this.cleanups) c();
    this.cleanups = [];
    const id = this.session.value?.id;
    if (id && this.feed && id !== this.fixedId) this.feed.unsubscribe(id);
  }

  // quiet: a background refresh, which keeps the last good state on failure.
  async reload(quiet = false) {
    const generation = ++this.generation;
    this.loadsInFlight++;
    try {
      let session: Session | null;
      if (this.fixedId !== undefined) {
        session = await request<Session>('GET', `/api/sessions/${this.fixedId}`);
      } else {
        const active = await request<Session | { session: null }>('GET', '/api/sessions/active');
        session = 'id' in active ? active : null;
      }
      const games = session ? await request<SessionGame[]>('GET', `/api/sessions/${session.id}/games`) : [];
      if (generation !== this.generation) return;
      if (session) this.feed?.subscribe(session.id);
      this.session.value = session;
      this.games.value = games;
      this.error.value = '';
    } catch (e) {
      if (!quiet && generation === this.generation) this.error.value = (e as Error).message;
    } finally {
      if (generation === this.generation) this.loading.value = false;
      if (--this.loadsInFlight === 0 && this.stale) {
        this.stale = false;
        void this.reload(true);
      }
    }
  }

  private apply(e: LiveEvent) {
    const current = this.session.value;
    if (e.type === 'session.started') {
      if (this.fixedId === undefined) void this.reload();
      return;
    }
    if (!current || eventSessionId(e) !== current.id) return;
    // A load in flight may have read the state before this event: read it again after.
    if (this.loadsInFlight > 0) this.stale = true;
    switch (e.type) {
      case 'vote.received': {
        const { game, totals } = e.data;
        this.games.value = this.games.value.map(g => g.game_id === game.id ? { ...g, ...totals } : g);
        break;
      }
      case 'player-count.updated':
        this.games.value = this.games.value.map(g => g.id === e.data.gameId ? { ...g, player_count: e.data.playerCount } : g);
        break;
      case 'session.ended':
        this.session.value = { ...current, is_active: 0, games_played: e.data.session.games_played };
        break;
      case 'game.added':
        this.lastAdded.value = { id: e.data.game.id, at: Date.now() };
        void this.reload(true);
        break;
    }
  }
}

// The game being played: the one marked playing, else the latest added.
export function currentGame(games: SessionGame[]): SessionGame | null {
  return games.find(g => g.status === 'playing') ?? (games.length ? games[games.length - 1] : null);
}
