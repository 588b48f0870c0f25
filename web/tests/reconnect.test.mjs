// The overlay across a server restart: it shows "reconnecting…" while the server is
// down, reconnects by itself, and resumes with subscribe + since, so the events made
// before it got back (a game added, votes) reach the screen without a reload.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Server, launchBrowser, logInPage, newPage } from './harness.mjs';

let server, browser;
before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.cleanup();
});

test('the overlay shows reconnecting…, then the events made while it was away', async () => {
  let token = await server.login();
  const session = await server.api('POST', '/api/sessions', { notes: 'restart' }, token);
  const [first, second] = (await server.api('GET', '/api/games')).slice(0, 2);
  await server.api('POST', `/api/sessions/${session.id}/games`, { game_id: first.id, room_code: 'ABCD' }, token);
  const feed = await server.api('POST', '/api/auth/feed-token', { ttl_seconds: 600 }, token);

  const overlay = await newPage(browser);
  await overlay.goto(`${server.url}/overlay?token=${encodeURIComponent(feed.token)}`);
  await overlay.getByTestId('overlay-game').filter({ hasText: first.title }).waitFor();
  // One live event first, so the overlay has an event id to resume from.
  await server.api('POST', '/api/votes/live', { username: 'early', vote: 'up', timestamp: new Date().toISOString() }, token);
  await overlay.locator('[data-testid="overlay-tally"][data-up="1"]').waitFor({ timeout: 2000 });
  const sent = [];
  overlay.on('websocket', ws => ws.on('framesent', f => sent.push(String(f.payload))));

  await server.kill();
  await overlay.getByTestId('live-status').filter({ hasText: 'reconnecting…' }).waitFor({ timeout: 5000 });
  // Back on the same port; changes land before the overlay's next attempt gets through.
  await server.start();
  token = await server.login();
  await server.api('POST', `/api/sessions/${session.id}/games`, { game_id: second.id, room_code: 'WXYZ' }, token);
  await server.api('POST', '/api/votes/live', { username: 'late', vote: 'down', timestamp: new Date().toISOString() }, token);

  await overlay.getByTestId('overlay-game').filter({ hasText: second.title }).waitFor({ timeout: 15000 });
  await overlay.getByTestId('overlay-room').filter({ hasText: 'WXYZ' }).waitFor();
  await overlay.locator('[data-testid="overlay-tally"][data-down="1"]').waitFor({ timeout: 5000 });
  await overlay.getByTestId('live-status').waitFor({ state: 'detached' });

  // The new socket resumed with `since` (the id of the last event seen before the restart).
  const resume = sent.map(f => JSON.parse(f)).find(m => m.type === 'subscribe');
  assert.equal(resume.sessionId, session.id);
  assert.ok(Number.isInteger(resume.since) && resume.since > 0, JSON.stringify(resume));
  assert.deepEqual(overlay.consoleErrors.filter(e => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)), []);
});

test('an admin page re-authenticates on the open socket before its feed token expires', async () => {
  const page = await newPage(browser);
  await page.clock.install();
  const frames = [];
  page.on('websocket', ws => ws.on('framesent', f => frames.push({ ws, msg: JSON.parse(String(f.payload)) })));
  await logInPage(page, server);
  await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
  const auths = () => frames.filter(f => f.msg.type === 'auth');
  assert.equal(auths().length, 1);
  // The feed token lives an hour; it is renewed two minutes before it expires.
  await page.clock.fastForward('58:30');
  for (let i = 0; i < 50 && auths().length < 2; i++) await new Promise(r => setTimeout(r, 100));
  const [first, second] = auths();
  assert.ok(second, 'no second auth');
  assert.equal(second.ws, first.ws, 'renewed on the same socket');
  assert.notEqual(second.msg.token, first.msg.token);
  await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
  assert.deepEqual(page.consoleErrors, []);
});
