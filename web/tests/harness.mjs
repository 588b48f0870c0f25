// Browser tests: the real gamepicker binary on a free loopback port with a fresh
// database, driven through Debian's Chromium by playwright-core (no browser download).
// Environment: GAMEPICKER_BIN, GAMEPICKER_CATALOGUE, WEB_ARTIFACTS (screenshots, figures).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ADMIN_KEY = 'browser-test-admin-key';
const BIN = process.env.GAMEPICKER_BIN ?? join(here, '../../build/gamepicker');
const CATALOGUE = process.env.GAMEPICKER_CATALOGUE ?? join(here, '../../data/catalogue.csv');
export const ARTIFACTS = process.env.WEB_ARTIFACTS ?? join(here, '../../build/web/browser');
mkdirSync(join(ARTIFACTS, 'screenshots'), { recursive: true });

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

export class Server {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'gamepicker-browser-'));
    this.port = 0;
    this.proc = null;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    const env = { ...process.env, ADMIN_KEY, JWT_SECRET: 'browser-test-secret-0123456789abcdef', ALLOW_PRIVATE_WEBHOOKS: '1', LOG_LEVEL: 'info' };
    this.proc = spawn(BIN, ['--port', String(this.port), '--host', '127.0.0.1', '--db', join(this.dir, 'test.db'),
      '--catalogue', CATALOGUE, '--webhook-retry-schedule', '1s'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error('server did not start:\n' + log)), 15000);
      this.proc.stderr.on('data', chunk => {
        log += chunk;
        if (/msg=listening/.test(log)) { clearTimeout(timer); resolve(); }
      });
      this.proc.on('exit', code => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${log}`)); });
    });
    this.proc.removeAllListeners('exit');
    return this;
  }

  async kill() {
    if (!this.proc) return;
    const exited = new Promise(r => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await exited;
    this.proc = null;
  }

  async cleanup() {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async api(method, path, body, token) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(this.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = (res.headers.get('content-type') ?? '').startsWith('application/json') ? await res.json() : await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  }

  async login() { return (await this.api('POST', '/api/auth/login', { key: ADMIN_KEY })).token; }
}

// Debian's Chromium with a fresh profile (Playwright gives launch() a new temporary user-data dir).
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page that fails the test on any console error or uncaught exception.
export async function newPage(browser, viewport = { width: 1280, height: 800 }, options = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, ...options });
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('console', m => { if (m.type() === 'error') page.consoleErrors.push(m.text()); });
  page.on('pageerror', e => page.consoleErrors.push(String(e)));
  page.on('dialog', d => void d.accept());
  return page;
}

export async function logInPage(page, server) {
  await page.goto(server.url + '/login');
  await page.getByLabel('Admin key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, 'screenshots', `${name}.png`), fullPage: false });
}

// Figures measured by the tests, merged into one JSON file.
export function record(figures) {
  const file = join(ARTIFACTS, 'figures.json');
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, JSON.stringify({ ...all, ...figures }, null, 2) + '\n');
}
