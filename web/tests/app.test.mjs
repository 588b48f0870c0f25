// The web app in Chromium, page by page, against the real binary: log in, pick and
// play, the overlay live in a second context, votes, close and History, export,
// CSV import errors, webhooks, the phone layout, and a screenshot of every page.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ARTIFACTS, Server, launchBrowser, logInPage, newPage, record, screenshot } from './harness.mjs';

const nav = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const PAGES = ['/', '/picker', '/history', '/games', '/stats', '/webhooks', '/login'];

describe('web app', () => {
  let server, browser, page, token, sessionId;

  before(async () => {
    server = await new Server().start();
    browser = await launchBrowser();
    page = await newPage(browser);
    token = await server.login();
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  test('first render of / and the empty state', async () => {
    const p = await newPage(browser);
    await p.goto(server.url + '/');  // the first navigation also starts the browser's network stack
    await p.getByText('No session is running.').waitFor();
    await p.goto(server.url + '/');
    await p.getByText('No session is running.').waitFor();
    const timing = await p.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      return { domContentLoaded: nav.domContentLoadedEventEnd, firstContentfulPaint: paint?.startTime ?? null };
    });
    record({ firstRender: { page: '/', ...timing } });
    console.log('first render of /:', JSON.stringify(timing));
    assert.ok(timing.firstContentfulPaint !== null && timing.firstContentfulPaint < 2000);
    assert.deepEqual(p.consoleErrors, []);
    await p.context().close();
  });

  test('log in: a wrong key shows the error, the right one logs in', async () => {
    await page.goto(server.url + '/login');
    await page.getByLabel('Admin key').fill('not-the-key');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid admin key' }).waitFor();
    await logInPage(page, server);
    await page.getByRole('button', { name: 'Start a session' }).waitFor();
    page.consoleErrors = [];  // the refused key's 401 (Chrome logs failed requests)
    await page.locator('[data-testid="live-status"]', { hasText: 'live' }).waitFor();
  });

  test('start a session, pick with filters, Play this with a room code; the overlay follows live', async () => {
    await page.getByLabel('Notes (optional)').fill('Browser night');
    await page.getByRole('button', { name: 'Start a session' }).click();
    await page.getByRole('heading', { name: /Session #\d+ — Browser night/ }).waitFor();
    sessionId = (await server.api('GET', '/api/sessions/active')).id;

    // The overlay in a second browser context, open before the game is added.
    const feed = await server.api('POST', '/api/auth/feed-token', {}, token);
    const overlay = await newPage(browser, { width: 1280, height: 800 });
    await overlay.goto(`${server.url}/overlay?token=${encodeURIComponent(feed.token)}`);
    await overlay.getByText('Picking the next game…').waitFor();

    await nav(page, 'Picker').click();
    await page.getByLabel('Player count').fill('4');
    await page.getByLabel('Drawing games').selectOption('exclude');
    await page.getByRole('button', { name: 'Pick', exact: true }).click();
    const pick = page.getByTestId('pick');
    await pick.waitFor();
    const title = await pick.locator('h2').textContent();
    const game = (await server.api('GET', '/api/games')).find(g => g.title === title);
    assert.ok(game.min_players <= 4 && 4 <= game.max_players, `${title} plays 4`);
    assert.notEqual(game.game_type, 'Drawing');
    assert.match(await pick.getByTestId('pool-size').textContent(), /^\d+$/);

    await page.getByLabel('Room code (optional)').fill('jyet');
    const added = Date.now();
    await page.getByRole('button', { name: 'Play this' }).click();
    await page.getByText(`${title} added to session #${sessionId}`).waitFor();
    await overlay.getByTestId('overlay-game').filter({ hasText: title }).waitFor({ timeout: 2000 });
    await overlay.getByTestId('overlay-room').filter({ hasText: 'JYET' }).waitFor({ timeout: 2000 });
    console.log(`overlay showed the game ${Date.now() - added} ms after Play this`);

    // Votes through the API: measure event-to-screen in the browser (MutationObserver timestamps).
    await overlay.evaluate(() => {
      window.tallyChanges = [];
      const tally = document.querySelector('[data-testid="overlay-tally"]');
      new MutationObserver(() => window.tallyChanges.push({ at: Date.now(), text: `${tally.dataset.up}/${tally.dataset.down}` }))
        .observe(tally, { attributes: true });
    });
    const latencies = [];
    for (let i = 1; i <= 10; i++) {
      const sent = Date.now();
      await server.api('POST', '/api/votes/live', { username: `viewer${i}`, vote: i % 3 ? 'up' : 'down', timestamp: new Date().toISOString() }, token);
      const up = [1, 2, 4, 5, 7, 8, 10].filter(n => n <= i).length;
      const expected = `${up}/${i - up}`;
      await overlay.waitForFunction(t => window.tallyChanges.some(c => c.text === t), expected, { timeout: 2000 });
      const change = await overlay.evaluate(t => window.tallyChanges.find(c => c.text === t).at, expected);
      latencies.push(change - sent);
    }
    latencies.sort((a, b) => a - b);
    record({ voteToScreenMs: { median: latencies[5], max: latencies[9], samples: latencies } });
    console.log('vote POST -> overlay tally on screen (ms):', latencies.join(', '));
    assert.ok(latencies[5] < 100, `median ${latencies[5]} ms`);
    assert.equal(await overlay.getByTestId('overlay-tally').getAttribute('aria-label'), '7 up, 3 down');
    await overlay.waitForTimeout(3100);  // the entry animation is over
    await screenshot(overlay, 'overlay-1280');
    await overlay.getByTestId('overlay-game').screenshot({ path: join(ARTIFACTS, 'screenshots', 'overlay-card.png'), omitBackground: true });
    assert.deepEqual(overlay.consoleErrors, []);
    await overlay.context().close();

    await nav(page, 'Now').click();
    await page.getByTestId('now-playing').filter({ hasText: title }).waitFor();
    await page.getByRole('button', { name: /Room code JYET/ }).waitFor();
    await page.locator('[data-testid="tally"][data-up="7"][data-down="3"]').waitFor();
  });

  test('screenshots of every page at 1280x800 and 375x812; no horizontal scroll on a phone', async () => {
    const phone = await newPage(browser, { width: 375, height: 812 }, { isMobile: true, hasTouch: true });
    await logInPage(phone, server);
    for (const [p, name] of [...PAGES.map(x => [x, x === '/' ? 'now' : x.slice(1)]), [`/sessions/${sessionId}`, 'session']]) {
      for (const [tab, size] of [[page, '1280'], [phone, '375']]) {
        await tab.goto(server.url + p);
        await tab.locator('main').first().waitFor();
        await tab.waitForLoadState('networkidle');
        await tab.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
        if (name === 'picker') {
          await tab.getByRole('button', { name: 'Pick', exact: true }).click();
          await tab.getByTestId('pick').waitFor();
        }
        await screenshot(tab, `${name}-${size}`);
      }
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `${p} scrolls horizontally by ${overflow}px at 375px`);
      // The admin's six tabs on one row, none hidden behind the row's scroll.
      const tabs = await phone.evaluate(() => {
        const nav = document.querySelector('nav[aria-label="Main"]');
        return { tops: [...new Set([...nav.querySelectorAll('a')].map(a => a.getBoundingClientRect().top))].length,
          count: nav.querySelectorAll('a').length, hidden: nav.scrollWidth - nav.clientWidth };
      });
      assert.deepEqual(tabs, { tops: 1, count: 6, hidden: 0 }, `${p}: the tabs at 375px`);
      // Every table fits the phone's width: none scrolls sideways inside its card.
      const hiddenTableWidth = await phone.evaluate(() =>
        Math.max(0, ...[...document.querySelectorAll('.table-wrap')].map(w => w.scrollWidth - w.clientWidth)));
      assert.equal(hiddenTableWidth, 0, `${p}: a table scrolls sideways by ${hiddenTableWidth}px at 375px`);
      // A stacked table is still a table to a screen reader although its rows' CSS display changed:
      // in Chromium's accessibility tree every <td> is a cell, and every row a row.
      const stacked = await phone.evaluate(() => [...document.querySelectorAll('table.stacked')].map(t =>
        ({ rows: t.querySelectorAll('tbody tr').length, cells: t.querySelectorAll('tbody td').length })));
      const cdp = await phone.context().newCDPSession(phone);
      for (const [i, dom] of stacked.entries()) {
        const { result } = await cdp.send('Runtime.evaluate', { expression: `document.querySelectorAll('table.stacked')[${i}]` });
        const count = async role => (await cdp.send('Accessibility.queryAXTree', { objectId: result.objectId, role })).nodes.length;
        const ax = { rows: await count('row'), cells: await count('cell') };
        assert.ok(ax.rows >= dom.rows && ax.cells === dom.cells,
          `${p}: stacked table ${i} at 375px has ${JSON.stringify(dom)} in the DOM, ${JSON.stringify(ax)} in the accessibility tree`);
      }
      await cdp.detach();
    }
    await phone.goto(server.url + '/');
    await phone.getByRole('button', { name: 'Toggle dark and light theme' }).click();
    await screenshot(phone, 'now-375-dark');
    await page.goto(server.url + '/');
    await page.getByRole('button', { name: 'Toggle dark and light theme' }).click();
    await screenshot(page, 'now-1280-dark');
    await page.getByRole('button', { name: 'Toggle dark and light theme' }).click();
    assert.deepEqual(phone.consoleErrors, []);
    await phone.context().close();
  });

  test('export downloads a file', async () => {
    await page.goto(`${server.url}/sessions/${sessionId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
    assert.equal(download.suggestedFilename(), `session-${sessionId}.json`);
    const path = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(path);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).session.id, sessionId);
    const [text] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export text' }).click()]);
    assert.equal(text.suggestedFilename(), `session-${sessionId}.txt`);
  });

  test('close the session and find it in History', async () => {
    await page.goto(server.url + '/');
    await page.getByRole('button', { name: 'Close session' }).click();
    await page.getByText('No session is running.').waitFor();
    await nav(page, 'History').click();
    await page.getByRole('link', { name: `Session #${sessionId} — Browser night` }).click();
    await page.getByRole('heading', { name: `Session #${sessionId} — Browser night` }).waitFor();
    await page.getByText(/still running/).waitFor({ state: 'detached' });
  });

  test('CSV import: a bad row shows its line number and imports nothing', async () => {
    const before = (await server.api('GET', '/api/games')).length;
    const csv = join(ARTIFACTS, 'bad.csv');
    writeFileSync(csv, 'pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly,game_type,secondary_type\n' +
      'Test Pack,Good Game,2,8,15,0,1,Trivia,\nTest Pack,Bad Game,many,8,15,0,1,Trivia,\n');
    await page.goto(server.url + '/games');
    await page.getByLabel('CSV file').setInputFiles(csv);
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const error = page.getByRole('alert');
    await error.waitFor();
    assert.match(await error.textContent(), /line 3/i);
    assert.equal((await server.api('GET', '/api/games')).length, before);
    page.consoleErrors = [];  // the refused import's 400
  });

  test('create a webhook, send a test, see the attempt in the log', async () => {
    const received = [];
    const receiver = createServer((req, res) => { req.resume(); received.push(req.url); res.end('ok'); }).listen(0, '127.0.0.1');
    await new Promise(r => receiver.once('listening', r));
    try {
      await page.goto(server.url + '/webhooks');
      await page.getByRole('button', { name: 'New webhook' }).click();
      await page.getByLabel('Name').fill('Bot');
      await page.getByLabel('URL').fill(`http://127.0.0.1:${receiver.address().port}/hook`);
      await page.getByLabel('vote.received').check();
      // Every event type the server knows is offered, the room monitor's too.
      await page.getByLabel('room.connected').check();
      await page.getByLabel('Body format').selectOption('discord');
      await page.getByLabel('Timeout (ms)').fill('5000');
      await screenshot(page, 'webhooks-form-1280');
      await page.getByRole('button', { name: 'Create webhook' }).click();
      await page.getByRole('heading', { name: /Bot/ }).waitFor();
      await page.getByText(/Signing secret \(shown this once, keep it\): whsec_/).waitFor();
      const [hook] = await server.api('GET', '/api/webhooks', undefined, token);
      assert.deepEqual([hook.events, hook.format, hook.timeout_ms, hook.rate_limit],
        [['game.added', 'vote.received', 'room.connected'], 'discord', 5000, null]);
      await page.getByRole('button', { name: 'Send test' }).click();
      const log = page.getByTestId('delivery-log');
      await log.getByText('game.added').waitFor({ timeout: 10000 });
      await log.getByText('200').waitFor();
      assert.equal(received.length, 1);
      await screenshot(page, 'webhooks-log-1280');
      await page.getByTestId('webhook-stats').getByText(/Last 24 h: 1 delivered · 0 failed · p50 \d+ ms/).waitFor();
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByText(/New signing secret of Bot \(shown this once, keep it\): whsec_/).waitFor();
      assert.ok((await server.api('GET', `/api/webhooks/${hook.id}`, undefined, token)).previous_secret_expires_at);
      await page.getByRole('button', { name: 'Edit' }).click();
      await page.getByLabel('Deliver in order, one at a time').check();
      await page.getByLabel('Rate limit (per second)').fill('2.5');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText(/Discord message · in order · at most 2.5\/s · timeout 5000 ms/).waitFor();
      const edited = await server.api('GET', `/api/webhooks/${hook.id}`, undefined, token);
      assert.deepEqual([edited.ordered, edited.rate_limit, edited.format], [true, 2.5, 'discord']);
    } finally {
      receiver.close();
    }
    assert.deepEqual(page.consoleErrors, []);
  });

  test('an expired or refused token sends the user back to Log in with a message', async () => {
    const b64 = o => Buffer.from(JSON.stringify(o)).toString('base64url');
    const fake = exp => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ role: 'admin', exp })}.c2lnbmF0dXJl`;
    const now = Math.floor(Date.now() / 1000);
    await page.evaluate(t => localStorage.setItem('gamepicker.token', t), fake(now - 60));
    await page.goto(server.url + '/webhooks');
    await page.waitForURL('**/login');
    await page.getByText('Your session expired: log in again.').waitFor();
    await page.evaluate(t => localStorage.setItem('gamepicker.token', t), fake(now + 3600));
    await page.goto(server.url + '/webhooks');
    await page.waitForURL('**/login');
    await page.getByText('Your session expired or the key was refused: log in again.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 0);
  });
});
