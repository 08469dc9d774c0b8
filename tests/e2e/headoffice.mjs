// The head office for browser tests and screenshots: a private PostgreSQL
// cluster from the installed server binaries (as root, its commands run as the
// postgres user) and the real `headoffice serve` (`cargo build -p headoffice`;
// HEADOFFICE_BIN overrides the binary). `note()` adds a head-office note to a
// complaint with the store function the console will call
// (`cargo build -p headoffice --example complaint_note`).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { callApi, freePort, setUpStation } from './helpers.mjs';

const target = process.env.CARGO_TARGET_DIR || join(process.env.HOME || '/root', '.cache/stationdesk/target');
const HO_BIN = process.env.HEADOFFICE_BIN || join(target, 'debug', 'headoffice');
const NOTE_BIN = join(dirname(HO_BIN), 'examples', 'complaint_note');
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
  const env = { ...process.env, HEADOFFICE__DATABASE_URL: `postgres://postgres@localhost/headoffice?host=${dir}&port=${pgPort}`, HEADOFFICE__LISTEN: `127.0.0.1:${port}`, RUST_LOG: 'warn' };
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
