// Shared pieces of the browser end-to-end tests: the app in HTTP mode
// (`stationdesk serve`) on a fresh data dir and a free port, Debian's Chromium
// driven by playwright-core, screenshots into tests/artifacts/, and a small
// HTTP client for the API so a test can check what was (not) saved.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const UI_DIST = join(ROOT, 'ui', 'dist');
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

export function appBinary() {
  if (process.env.STATIONDESK_BIN) return process.env.STATIONDESK_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(process.env.HOME || '/root', '.cache/stationdesk/target');
  return join(target, 'debug', 'stationdesk');
}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `stationdesk serve` on a fresh data dir; resolves once it answers.
 * `env` is added to the process's environment (a fake clock's, say). A `listen`
 * address other than loopback gets the station's TLS (workshop tablets): `url`
 * is then https://127.0.0.1:PORT and `fingerprint` the certificate's SHA-256.
 */
export async function startApp({ env = {}, listen = '127.0.0.1', args = [] } = {}) {
  const bin = appBinary();
  if (!existsSync(bin)) throw new Error(`no StationDesk binary at ${bin}: run cargo build -p stationdesk (or set STATIONDESK_BIN)`);
  if (!existsSync(join(UI_DIST, 'index.html'))) throw new Error(`no built UI at ${UI_DIST}: run npm run build in ui/`);
  const dataDir = mkdtempSync(join(tmpdir(), 'stationdesk-e2e-'));
  const port = await freePort();
  const tls = listen !== '127.0.0.1';
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const child = spawn(bin, ['serve', '--data-dir', dataDir, '--listen', `${listen}:${port}`, '--ui-dir', UI_DIST, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn', ...env },
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`stationdesk serve exited (${JSON.stringify(exited)}):\n${log}`);
    try {
      if (tls ? (await httpsCall(url, 'setup_status')).status === 200 : (await fetch(`${url}/api/setup_status`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } })).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`stationdesk serve did not answer within 30 s:\n${log}`);
    }
    await sleep(150);
  }

  return {
    url,
    port,
    dataDir,
    /** The certificate fingerprint `serve` printed at start (TLS only). */
    fingerprint: log.match(/fingerprint: ([0-9A-F:]+)/)?.[1] ?? null,
    log: () => log,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 40 && !exited; i++) await sleep(50);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * A station clock the test moves (Debian's `faketime`): pass `env` to
 * `startApp({ env })`, then `set(spec)` moves the app's clock within a second (`set` waits for it), without a
 * restart: `'@2026-12-08 02:00:00'` (UTC, then running on), `'+3d'`, `'+75h'`.
 * Monotonic time is left alone, so the app's timers keep working.
 */
export function fakeClock(start = '+0') {
  if (!existsSync(LIBFAKETIME)) throw new Error(`no ${LIBFAKETIME}: install Debian's faketime (scripts/setup-system.sh)`);
  const dir = mkdtempSync(join(tmpdir(), 'stationdesk-faketime-'));
  const file = join(dir, 'faketime');
  // libfaketime re-reads the file once its cache is more than a second old, counted in whole
  // seconds (so up to two seconds after a change). With FAKETIME_NO_CACHE it re-reads on every
  // call, and then a multi-threaded process sometimes reads a time days off (measured: 2.4 days
  // backwards in 800,000 calls over 4 threads), which made deadline tests flaky. So `set` waits
  // those two seconds out, and the station sees the new time once it returns.
  const set = (spec) => {
    writeFileSync(file, `${spec}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
  };
  writeFileSync(file, `${start}\n`);
  return {
    file,
    env: { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: file, FAKETIME_CACHE_DURATION: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1', TZ: 'UTC' },
    set,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Debian's Chromium, headless, with a fresh profile; `args` and `options` add to the defaults (a tablet's viewport, a host mapping). */
export async function launchBrowser({ args = [], ...options } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'stationdesk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...args],
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'Asia/Shanghai',
    ...options,
  });
  return {
    context,
    async newPage() {
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(15_000);
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  const file = join(ARTIFACTS, `${name}.png`);
  mkdirSync(dirname(file), { recursive: true });
  // A sticky top bar would otherwise be drawn mid-page in a full-page shot.
  await page.evaluate(() => window.scrollTo(0, 0)).catch(() => undefined);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Calls an operation over HTTP, as the UI does. */
export async function callApi(url, op, input = {}, token = null) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${url}/api/${op}`, { method: 'POST', headers, body: JSON.stringify(input) });
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const e = new Error(`${op}: HTTP ${r.status} ${JSON.stringify(body)}`);
    e.body = body;
    throw e;
  }
  return body;
}

/**
 * Calls an operation over HTTPS as a tablet does: `host` as the Host header (the
 * name a tablet uses), `cookie` for its device cookie. The certificate is not
 * judged by an authority but returned as `fingerprint` (SHA-256, `AB:CD:…`) for
 * the caller to compare with the one the station shows.
 */
export function httpsCall(url, op, input = {}, { token = null, cookie = null, host = null } = {}) {
  return new Promise((resolvePromise, reject) => {
    const body = JSON.stringify(input);
    const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (cookie) headers.Cookie = cookie;
    if (host) headers.Host = host;
    const req = httpsRequest(`${url}/api/${op}`, { method: 'POST', headers, rejectUnauthorized: false }, (res) => {
      const fingerprint = res.socket.getPeerCertificate().fingerprint256;
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolvePromise({ status: res.statusCode, headers: res.headers, fingerprint, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
const VIN_VALUES = { A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 };

/** `vin` with its 9th character replaced by the ISO 3779 check digit. */
export function withCheckDigit(vin) {
  if (!/^[0-9A-HJ-NPR-Z]{17}$/.test(vin)) throw new Error(`not a VIN: ${vin}`);
  const sum = [...vin].reduce((acc, c, i) => acc + (/\d/.test(c) ? Number(c) : VIN_VALUES[c]) * VIN_WEIGHTS[i], 0);
  const r = sum % 11;
  return vin.slice(0, 8) + (r === 10 ? 'X' : String(r)) + vin.slice(9);
}

/** The station's calendar day as YYYYMMDD, for repair-order numbers (the tests set up the station at UTC+8). */
export function stationDate(offsetMinutes = 480, now = new Date()) {
  const d = new Date(now.getTime() + offsetMinutes * 60_000);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/**
 * First run in the UI: station SH01 and its manager, optionally connecting to a
 * head office (`headOffice: {url, code}`); `beforeSubmit` runs on the filled
 * form. Leaves the page on the board.
 */
export async function setUpStation(page, { code = 'SH01', name = 'Test Station', manager = '王经理', pin = '2468', headOffice = null, beforeSubmit = null } = {}) {
  await page.getByTestId('setup').waitFor();
  await page.getByTestId('setup-station-code').fill(code);
  await page.getByTestId('setup-station-name').fill(name);
  await page.getByTestId('setup-manager-name').fill(manager);
  await page.getByTestId('setup-manager-pin').fill(pin);
  await page.getByTestId('setup-manager-pin2').fill(pin);
  if (headOffice) {
    await page.getByTestId('setup-connect').check();
    await page.getByTestId('setup-ho-url').fill(headOffice.url);
    await page.getByTestId('setup-ho-code').fill(headOffice.code);
  }
  if (beforeSubmit) await beforeSubmit();
  await page.getByTestId('setup-submit').click();
  await page.getByTestId('board').waitFor();
}

/** The screens a role starts on (the core's `home`): the board, the technician's jobs, the QC queue. */
export const HOME_SCREENS = '[data-testid=board], [data-testid=my-jobs], [data-testid=qc-queue]';

/** Logs in through the login screen and waits for the role's home screen. */
export async function logIn(page, { staffName, pin }) {
  await page.getByTestId('login').waitFor();
  const select = page.getByTestId('login-staff');
  const value = await select.locator('option', { hasText: staffName }).first().getAttribute('value');
  await select.selectOption(value);
  await page.getByTestId('login-pin').fill(pin);
  await page.getByTestId('login-pin').press('Enter');
  await page.locator(HOME_SCREENS).first().waitFor();
}

/** Check-in step 2: reads the levels the vehicle has (battery, fuel or both), none of which is defaulted. */
export async function readLevels(page, { fuel = 5, battery = 80 } = {}) {
  await page.getByTestId('levels').waitFor();
  if (await page.getByTestId('battery').count()) await page.getByTestId('battery').fill(String(battery));
  if (await page.getByTestId('fuel').count()) await page.getByTestId(`fuel-${fuel}`).check({ force: true });
}

/** The session token the UI keeps, for checking via the API what the UI did. */
export async function tokenOf(page) {
  return page.evaluate(() => sessionStorage.getItem('stationdesk.token'));
}

/** Runs `fn(page, app)` with a fresh app and browser, stopping both afterwards. */
export async function withApp(fn) {
  const app = await startApp();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
    await page.goto(app.url);
    return await fn(page, app);
  } finally {
    await browser.close();
    await app.stop();
  }
}

/** Logs a staff member in through the API: their session token and staff id. */
export async function staffLogin(url, name, pin) {
  const staff = (await callApi(url, 'setup_status')).staff.find((s) => s.name === name);
  if (!staff) throw new Error(`no staff member ${name}`);
  return { token: (await callApi(url, 'login', { staff_id: staff.id, pin })).token, id: staff.id };
}

/** Opens (or reloads) a repair order's page and waits until it shows. */
export async function openOrder(page, url, id) {
  const target = `${url}/#/orders/${id}`;
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await page.getByTestId('repair-order').waitFor();
  await page.getByTestId('order-status').waitFor();
}

function flatten(tree, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out[key] = v;
    else flatten(v, key, out);
  }
  return out;
}
const UI_LOCALES = Object.fromEntries(['zh-CN', 'zh-TW', 'en'].map((l) => [l, flatten(JSON.parse(readFileSync(join(ROOT, 'ui', 'src', 'locales', `${l}.json`), 'utf8')))]));

/** A string of the UI's locale files (`section.key`, the key may hold dots), `{name}` filled from `params`: tests follow the UI's words. */
export function uiText(key, lang = 'zh-CN', params = {}) {
  const text = UI_LOCALES[lang][key];
  if (text === undefined) throw new Error(`no "${key}" in ui/src/locales/${lang}.json`);
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** The top bar's language buttons by locale. */
export const LANG_BUTTON = { 'zh-CN': 'lang-zh', 'zh-TW': 'lang-zh-tw', en: 'lang-en' };

/** Switches the UI's language with the top bar's switch and waits for it. */
export async function setLocale(page, lang) {
  await page.getByTestId(LANG_BUTTON[lang]).click();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

/** Whether the element is drawn in the UI's danger red. */
export async function isRed(locator) {
  return locator.evaluate((el) => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--danger)';
    document.body.append(probe);
    const red = getComputedStyle(probe).color;
    probe.remove();
    const style = getComputedStyle(el);
    return style.color === red || style.backgroundColor === red;
  });
}

/**
 * Runs `run(page, app, clock)` against `stationdesk serve` on a station clock
 * the test moves (`fakeClock(start)`), in a fresh browser; on failure keeps a
 * screenshot `<name>-failure` and prints the end of the app's log.
 */
export async function withClockedApp(name, start, run) {
  const clock = fakeClock(start);
  const app = await startApp({ env: clock.env });
  const browser = await launchBrowser();
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
  try {
    await run(page, app, clock);
  } catch (e) {
    await screenshot(page, `${name}-failure`).catch(() => undefined);
    console.error(app.log().slice(-4000));
    throw e;
  } finally {
    await browser.close();
    await app.stop();
    clock.remove();
  }
}

/** Waits until the input `testid` holds `value` (a value the core sends later, such as a quote), failing after 5 s with what it holds. */
export async function inputHas(page, testid, value) {
  const input = page.getByTestId(testid);
  try {
    await page.waitForFunction(([t, v]) => document.querySelector(`[data-testid="${t}"]`)?.value === v, [testid, value], { timeout: 5000 });
  } catch {
    throw new Error(`${testid} holds ${JSON.stringify(await input.inputValue())}, not ${JSON.stringify(value)}`);
  }
}
