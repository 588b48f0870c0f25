// The live feed client: one WebSocket to /api/sessions/live that authenticates,
// keeps its subscriptions across reconnects (backoff with jitter, capped), resumes
// each session with `since` = the last event id it saw, and re-authenticates on the
// open socket before its token expires.
import { signal } from '@preact/signals';
import type { LiveEvent } from './types';

export type LiveStatus = 'off' | 'connecting' | 'live' | 'reconnecting';
type Listener = (e: LiveEvent) => void;

const PING_MS = 25_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;
const RENEW_BEFORE_S = 120;

export function tokenExpiry(token: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp : 0;
  } catch {
    return 0;
  }
}

export function eventSessionId(e: LiveEvent): number | undefined {
  return e.data?.session?.id ?? e.data?.sessionId;
}

export class LiveFeed {
  readonly status = signal<LiveStatus>('off');
  private ws: WebSocket | null = null;
  private authed = false;
  private attempts = 0;
  private sessions = new Set<number>();
  private lastId = new Map<number, number>();
  private listeners = new Set<Listener>();
  private resyncListeners = new Set<(sessionId: number) => void>();
  private timers: number[] = [];
  private reconnectTimer = 0;
  private renewTimer = 0;
  private token = '';
  private stopped = true;

  // getToken(fresh): a token for `auth`; fresh = the current one is about to expire or was refused.
  constructor(private getToken: (fresh: boolean) => Promise<string | null>) {}

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop() {
    this.stopped = true;
    this.clearTimers();
    clearTimeout(this.reconnectTimer);
    this.ws?.close(1000);
    this.ws = null;
    this.status.value = 'off';
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // Called after each (re)subscription is confirmed: state fetched before may be stale.
  onResync(listener: (sessionId: number) => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  subscribe(sessionId: number) {
    if (this.sessions.has(sessionId)) return;
    this.sessions.add(sessionId);
    if (this.authed) this.sendSubscribe(sessionId);
  }

  unsubscribe(sessionId: number) {
    if (!this.sessions.delete(sessionId)) return;
    if (this.authed) this.send({ type: 'unsubscribe', sessionId });
  }

  private async connect() {
    this.status.value = this.attempts > 0 ? 'reconnecting' : 'connecting';
    const token = await this.getToken(false);
    if (this.stopped) return;
    if (!token) { this.status.value = 'off'; this.stopped = true; return; }
    this.token = token;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/api/sessions/live`);
    this.ws = ws;
    ws.onopen = () => this.send({ type: 'auth', token });
    ws.onmessage = m => this.handle(JSON.parse(String(m.data)));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.authed = false;
      this.clearTimers();
      if (this.stopped) return;
      this.status.value = 'reconnecting';
      const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempts);
      this.attempts++;
      this.reconnectTimer = window.setTimeout(() => void this.connect(), delay / 2 + Math.random() * delay / 2);
    };
  }

  private handle(msg: LiveEvent & { message?: string; sessionId?: number }) {
    switch (msg.type) {
      case 'auth_success':
        this.scheduleRenew();
        if (!this.authed) {
          this.authed = true;
          this.attempts = 0;
          this.status.value = 'live';
          for (const id of this.sessions) this.sendSubscribe(id);
          this.timers.push(window.setInterval(() => this.send({ type: 'ping' }), PING_MS));
        }
        return;
      case 'auth_error':
        // Expired or refused: fetch a fresh token and authenticate again on this socket.
        this.authed = false;
        void this.getToken(true).then(t => {
          if (!t) return this.stop();
          this.token = t;
          this.send({ type: 'auth', token: t });
        });
        return;
      case 'subscribed':
        if (msg.sessionId !== undefined) for (const l of this.resyncListeners) l(msg.sessionId);
        return;
      case 'pong': case 'unsubscribed': case 'error':
        return;
    }
    const sessionId = eventSessionId(msg);
    if (msg.id !== undefined && sessionId !== undefined) {
      if (msg.id <= (this.lastId.get(sessionId) ?? 0)) return;  // already seen
      this.lastId.set(sessionId, msg.id);
    }
    for (const l of this.listeners) l(msg);
  }

  // Re-authenticate on the open socket shortly before the token expires.
  private scheduleRenew() {
    clearTimeout(this.renewTimer);
    const exp = tokenExpiry(this.token);
    if (!exp) return;
    const delay = Math.max(5_000, (exp - RENEW_BEFORE_S) * 1000 - Date.now());
    this.renewTimer = window.setTimeout(async () => {
      const t = await this.getToken(true);
      if (!t || t === this.token) return;
      this.token = t;
      this.send({ type: 'auth', token: t });
    }, Math.min(delay, 2 ** 31 - 1));
  }

  private sendSubscribe(sessionId: number) {
    const since = this.lastId.get(sessionId);
    this.send(since === undefined ? { type: 'subscribe', sessionId } : { type: 'subscribe', sessionId, since });
  }

  private send(msg: object) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private clearTimers() {
    clearTimeout(this.renewTimer);
    for (const t of this.timers) { clearTimeout(t); clearInterval(t); }
    this.timers = [];
  }
}
