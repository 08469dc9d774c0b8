// The head office for browser tests and screenshots: a private PostgreSQL
// cluster from the installed server binaries (as root, its commands run as the
// postgres user) and the real `headoffice serve` (`cargo build -p headoffice`;
// HEADOFFICE_BIN overrides the binary), serving the console built into
// ui/dist-console. `note()` adds a head-office note to a complaint with the
// store function the console calls (`cargo build -p headoffice --example complaint_note`).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, callApi, freePort, setUpStation } from './helpers.mjs';

const target = process.env.CARGO_TARGET_DIR || join(process.env.HOME || '/root', '.cache/stationdesk/target');
const HO_BIN = process.env.HEADOFFICE_BIN || join(target, 'debug', 'headoffice');
const NOTE_BIN = join(dirname(HO_BIN), 'examples', 'complaint_note');
export const CONSOLE_DIR = join(ROOT, 'ui', 'dist-console');
const PG_BIN = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().at(-1), 'bin');
const root = process.getuid?.() === 0;
const asPg = (bin, args) => (root ? execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args]) : execFileSync(bin, args));

/** A private PostgreSQL cluster (Unix socket only, in a temp dir) and `headoffice serve` on a loopback port. */
export async function startHeadOffice() {
  const dir = mkdtempSync(join(tmpdir(), 'ho-pg-'));
  if (root) execFileSync('chown', ['postgres:postgres', dir]);
  const pgPort = await freePort();
  asPg(join(PG_BIN, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  asPg(join(PG_BIN, 'pg_ctl'), ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-o', `-k ${dir} -p ${pgPort} -c listen_addresses='' -c fsync=off`, 'start']);
  asPg(join(PG_BIN, 'createdb'), ['-h', dir, '-p', String(pgPort), '-U', 'postgres', 'headoffice']);
  const port = await freePort();
  const env = {
    ...process.env,
    HEADOFFICE__DATABASE_URL: `postgres://postgres@localhost/headoffice?host=${dir}&port=${pgPort}`,
    HEADOFFICE__LISTEN: `127.0.0.1:${port}`,
    HEADOFFICE__CONSOLE_DIR: CONSOLE_DIR,
    RUST_LOG: 'warn',
  };
  const admin = (...args) => execFileSync(HO_BIN, ['admin', ...args], { env }).toString();
  const child = spawn(HO_BIN, ['serve'], { env, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      /* starting */
    }
    await sleep(200);
  }
  return {
    url,
    admin,
    /** `admin create-admin`, the password on stdin as a person types it. */
    createAdmin(login, name, password) {
      return execFileSync(HO_BIN, ['admin', 'create-admin', '--login', login, '--name', name], { env, input: `${password}\n` }).toString();
    },
    /** Loads a CSV with `admin load-<kind>` (labor, parts, recalls). */
    load(kind, csv) {
      const file = join(dir, `${kind}.csv`);
      writeFileSync(file, csv);
      admin(`load-${kind}`, file);
    },
    /** A head-office note (`kind`: note or instruction) on complaint `complaintId` of `station`, by `author`; returns its id. */
    note(station, complaintId, kind, author, text) {
      return execFileSync(NOTE_BIN, [station, complaintId, kind, author, text], { env }).toString().trim();
    },
    async stop() {
      child.kill('SIGTERM');
      await sleep(300);
      try {
        asPg(join(PG_BIN, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * First-run setup in the UI for station SH01 (上海一店; manager 王经理, PIN
 * 2468), enrolled with `ho` by a fresh enrollment code; leaves the page on the board.
 */
export async function setUpWithHeadOffice(page, ho, { beforeSubmit = null } = {}) {
  const code = ho.admin('create-station', '--code', 'SH01', '--name', '上海一店').match(/enr_\S+/)[0];
  await setUpStation(page, { name: '上海一店', headOffice: { url: ho.url, code }, beforeSubmit });
}

/** Waits until the station has synced with the head office at least once and is not syncing now. */
export async function waitForSync(url, token) {
  for (let i = 0; i < 120; i++) {
    const s = await callApi(url, 'sync_status', {}, token);
    if (s.last_success_at && !s.running) return s;
    await sleep(250);
  }
  throw new Error('the station did not sync with the head office');
}

/** Asks the station for a sync pass and waits until `done(status)` holds. */
export async function syncUntil(url, token, done) {
  await callApi(url, 'sync_now', {}, token);
  for (let i = 0; i < 120; i++) {
    const s = await callApi(url, 'sync_status', {}, token);
    if (!s.running && (await done(s))) return s;
    await sleep(250);
  }
  throw new Error('the station did not get there by syncing');
}

/** Opens the console in `page` at 1280×800 and logs in; the caller waits for the page it expects. */
export async function logInToConsole(page, ho, login, password) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${ho.url}/console`);
  await page.getByTestId('login-name').fill(login);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/**
 * The first administrator (`admin create-admin`) and, made by them through the
 * console's API, quality manager `zhoumin` (质量经理 周敏) with `password`.
 */
export async function qualityManager(ho, password = 'quality password 1') {
  const adminPassword = 'console password 1';
  ho.createAdmin('admin', '总部管理员', adminPassword);
  const login = await fetch(`${ho.url}/console/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: adminPassword }) });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const body = { login: 'zhoumin', display_name: '质量经理 周敏', role: 'quality_manager', password, regions: [] };
  const r = await fetch(`${ho.url}/console/api/users`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`creating the quality manager: HTTP ${r.status} ${await r.text()}`);
}

/**
 * A station as the head office sees it, without running one: created with
 * `admin create-station`, enrolled over /v1/enroll (`token` is its bearer token), and pushing whole records
 * the way its sync client does (`push([{entity, id, payload}])`), with an HLC
 * per change and its User-Agent (`StationDesk/<version>`).
 */
export async function pushingStation(ho, code, name, version = '0.1.0') {
  const enrollment = ho.admin('create-station', '--code', code, '--name', name).match(/enr_\S+/)[0];
  const headers = { 'Content-Type': 'application/json', 'X-Protocol-Version': '1', 'User-Agent': `StationDesk/${version}` };
  const r = await fetch(`${ho.url}/v1/enroll`, { method: 'POST', headers, body: JSON.stringify({ protocol_version: 1, enrollment_code: enrollment, station_code: code, next_seq: 1 }) });
  if (!r.ok) throw new Error(`enroll ${code}: HTTP ${r.status} ${await r.text()}`);
  const { token, station_id } = await r.json();
  let seq = 1;
  let counter = 0;
  return {
    id: station_id,
    token,
    async push(records) {
      const first = seq;
      const changes = records.map(({ entity, id, payload }) => ({
        seq: seq++,
        id: crypto.randomUUID(),
        entity,
        entity_id: id,
        op: 'upsert',
        payload,
        hlc: `${String(Date.now()).padStart(15, '0')}-${String(counter++).padStart(10, '0')}-${code}`,
      }));
      const res = await fetch(`${ho.url}/v1/push`, {
        method: 'POST',
        headers: { ...headers, Authorization: `Bearer ${token}` },
        body: JSON.stringify({ protocol_version: 1, schema_version: 3, first_seq: first, changes }),
      });
      const ack = await res.json();
      if (!res.ok || ack.rejected) throw new Error(`push ${code}: HTTP ${res.status} ${JSON.stringify(ack)}`);
      return ack;
    },
    /** Uses a head-office lookup result (`/v1/lookup/adopt`), as the desk's adopt does: `{kind, value, entity, entity_id, staff_id, staff_name}`. */
    async adopt(body) {
      const res = await fetch(`${ho.url}/v1/lookup/adopt`, { method: 'POST', headers: { ...headers, Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`adopt at ${code}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    },
  };
}
