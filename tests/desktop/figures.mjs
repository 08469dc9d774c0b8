// Issue 13's desktop figures, measured on the real release window (Tauri + WebKitGTK)
// driven through WebKitWebDriver: cold start to an interactive login screen, and the
// memory (PSS) of the app and its WebKit processes after the board, an order page
// and a search, on a station of 100,000 orders. A benchmark, not a test: it prints
// figures (docs/benchmarks.md, "Issue 13") and asserts nothing about them.
//
//   cargo build --release -p stationdesk && cp $CARGO_TARGET_DIR/release/stationdesk /tmp/sd-release
//   DATA=$(cargo bench -p station --bench orders -- --generate-only | tail -1)
//   xvfb-run -a -s "-screen 0 1920x1080x24" node tests/desktop/figures.mjs --bin /tmp/sd-release --data "$DATA" --runs 10
//
// The data directory is copied first (the app writes to it). Options: --runs N (cold
// starts), --skip-memory, --skip-start, --shots DIR (screenshots of each step).

import { cp, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Driver, waitFor } from './webdriver.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const binary = resolve(opt('--bin', process.env.STATIONDESK_BIN ?? ''));
const source = opt('--data');
const runs = Number(opt('--runs', '10'));
const shots = opt('--shots');
if (!source || !binary) {
  console.error('usage: node tests/desktop/figures.mjs --bin APP --data GENERATED_DATA_DIR [--runs 10] [--shots DIR]');
  process.exit(2);
}
// --env NAME=VALUE (repeatable): set for the app, to compare WebKit settings.
const appEnv = Object.fromEntries(args.flatMap((a, i) => (a === '--env' ? [args[i + 1].split(/=(.*)/s).slice(0, 2)] : [])));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

// ---- processes ----------------------------------------------------------------

async function stat(pid) {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command may hold spaces and parentheses: fields start after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  return { pid, comm, ppid: Number(fields[1]), startTicks: Number(fields[19]) };
}

/** Every live descendant of `root`. */
async function descendants(root) {
  const all = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      all.push(await stat(Number(name)));
    } catch {
      /* gone */
    }
  }
  const found = [];
  let frontier = [root];
  while (frontier.length) {
    const children = all.filter((p) => frontier.includes(p.ppid));
    found.push(...children);
    frontier = children.map((p) => p.pid);
  }
  return found;
}

/** The app the driver launched, and the WebKit processes under it. */
async function appProcesses(driver) {
  const tree = await descendants(driver.child.pid);
  let app = null;
  for (const p of tree) {
    if ((await readlink(`/proc/${p.pid}/exe`).catch(() => '')) === binary) app = p;
  }
  if (!app) return { app: null, webkit: [] };
  const webkit = (await descendants(app.pid)).filter((p) => p.comm.startsWith('WebKit'));
  return { app, webkit };
}

/** Wall-clock time (ms since the epoch) at which `pid` started, from its start ticks and /proc/uptime. */
async function startedAt(pid) {
  const { startTicks } = await stat(pid);
  const now = Date.now();
  const uptime = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  return now - (uptime - startTicks / 100) * 1000; // USER_HZ is 100 on Linux
}

async function smapsRollup(pid) {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0);
  return { rss: kb('Rss'), pss: kb('Pss'), pssAnon: kb('Pss_Anon'), pssFile: kb('Pss_File'), swapPss: kb('SwapPss') };
}

/** PSS (kB) of `pid` per mapping: file path, or [anon], [heap]... */
async function mappings(pid) {
  const text = await readFile(`/proc/${pid}/smaps`, 'utf8');
  const by = new Map();
  let name = '';
  for (const line of text.split('\n')) {
    const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (head) name = head[1] || '[anon]';
    const pss = line.match(/^Pss:\s+(\d+) kB/);
    if (pss) by.set(name, (by.get(name) ?? 0) + Number(pss[1]));
  }
  return by;
}

// What a mapping is, so the total can be split into what we could change (our binary, the
// page's memory) and what comes with WebKitGTK and Mesa whatever the page holds.
const KINDS = [
  ['StationDesk binary', (n) => n === binary],
  ['WebKitGTK + JavaScriptCore libraries', (n) => /libwebkit2gtk|libjavascriptcoregtk/.test(n)],
  ['Mesa software GL (LLVM, dri)', (n) => /libLLVM|\/dri\/|libgallium|libglapi|libEGL_mesa|libGLX_mesa/.test(n)],
  ['fonts', (n) => /\/fonts\//.test(n)],
  ['other shared libraries and files', (n) => n.startsWith('/')],
  ['anonymous memory and heaps', () => true],
];

async function memoryTable(driver, label) {
  const { app, webkit } = await appProcesses(driver);
  const rows = [];
  for (const p of [app, ...webkit]) rows.push({ ...p, ...(await smapsRollup(p.pid)), maps: await mappings(p.pid) });
  const mb = (kb) => (kb / 1024).toFixed(1);
  console.log(`\n## ${label}\n\n| process | PSS MB | of it anonymous MB | of it file MB | RSS MB |\n|---|---:|---:|---:|---:|`);
  for (const r of rows) console.log(`| ${r.comm} (${r.pid}) | ${mb(r.pss)} | ${mb(r.pssAnon)} | ${mb(r.pssFile)} | ${mb(r.rss)} |`);
  const total = rows.reduce((sum, r) => sum + r.pss, 0);
  console.log(`| **total** | **${mb(total)}** | ${mb(rows.reduce((s, r) => s + r.pssAnon, 0))} | ${mb(rows.reduce((s, r) => s + r.pssFile, 0))} | |`);
  const kinds = new Map(KINDS.map(([k]) => [k, 0]));
  for (const r of rows) {
    for (const [name, kb] of r.maps) {
      const [kind] = KINDS.find(([, test]) => test(name));
      kinds.set(kind, kinds.get(kind) + kb);
    }
  }
  console.log(`\n| all processes, by kind | PSS MB |\n|---|---:|`);
  for (const [kind, kb] of kinds) console.log(`| ${kind} | ${mb(kb)} |`);
  if (args.includes('--detail')) {
    const other = new Map();
    for (const r of rows) {
      for (const [name, kb] of r.maps) {
        if (KINDS.find(([, test]) => test(name))[0] === 'other shared libraries and files') other.set(name, (other.get(name) ?? 0) + kb);
      }
    }
    console.log('# other shared libraries and files, largest, all processes');
    for (const [name, kb] of [...other.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`#   ${mb(kb).padStart(7)} MB  ${name}`);
    for (const r of rows) {
      console.log(`# ${r.comm}: largest mappings by PSS`);
      const top = [...r.maps.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
      for (const [name, kb] of top) console.log(`#   ${mb(kb).padStart(7)} MB  ${name}`);
    }
  }
  return total;
}

// ---- the window -----------------------------------------------------------------

async function shot(session, name) {
  if (!shots) return;
  await mkdir(shots, { recursive: true });
  await writeFile(join(shots, name), Buffer.from(await session.screenshot(), 'base64'));
}

/** Resolves with the page's Date.now() when the login screen takes input: staff listed, a PIN field, the button enabled. */
const LOGIN_READY = `
  const done = arguments[arguments.length - 1];
  const ready = () => {
    const staff = document.querySelector('[data-testid=login-staff]');
    const pin = document.querySelector('[data-testid=login-pin]');
    const submit = document.querySelector('[data-testid=login-submit]');
    return staff && staff.options.length > 0 && pin && !pin.disabled && submit && !submit.disabled;
  };
  if (ready()) return done({ at: Date.now(), already: true });
  const observer = new MutationObserver(() => {
    if (ready()) { observer.disconnect(); done({ at: Date.now(), already: false }); }
  });
  observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true });`;

async function loginReady(session) {
  // The script runs once the page can take scripts; before that, retry quickly.
  return waitFor(
    'the login screen',
    async () => session.cmd('POST', '/execute/async', { script: LOGIN_READY, args: [] }),
    { timeout: 60_000, interval: 10 },
  );
}

async function coldStart(driver, dataDir) {
  const requested = Date.now();
  const session = await driver.newSession(binary, ['--data-dir', dataDir]);
  const app = await waitFor('the app process', async () => (await appProcesses(driver)).app, { interval: 5 });
  const started = await startedAt(app.pid);
  const ready = await loginReady(session);
  return { session, fromProcess: ready.at - started, fromRequest: ready.at - requested, already: ready.already };
}

async function login(session, name, pin) {
  await session.execute(
    `const select = document.querySelector('[data-testid=login-staff]');
     const option = [...select.options].find((o) => o.textContent.includes(arguments[0]));
     select.value = option.value;
     select.dispatchEvent(new Event('change', { bubbles: true }));`,
    [name],
  );
  const input = await session.waitForVisible('[data-testid=login-pin]');
  await input.clear();
  await input.type(pin);
  await (await session.waitForVisible('[data-testid=login-submit]')).click();
}

/**
 * Milliseconds, measured in the page, from doing `act` (a click on the first match of
 * `css`, or typing `text` into it) to the first frame in which `ready` is shown:
 * what the person at the desk waits, without WebDriver's round trips.
 */
const STEP = `
  const [css, text, ready, done] = arguments;
  const el = document.querySelector(css);
  const t0 = performance.now();
  if (text === null) el.click();
  else { el.focus(); el.value = text; el.dispatchEvent(new Event('input', { bubbles: true })); }
  const check = () => {
    const shown = [...document.querySelectorAll(ready)].some((e) => e.offsetParent !== null);
    if (shown) done(performance.now() - t0);
    else requestAnimationFrame(check);
  };
  check();
`;
async function timedStep(session, css, text, ready) {
  return Math.round(await session.cmd('POST', '/execute/async', { script: STEP, args: [css, text, ready] }));
}

// ---- main -----------------------------------------------------------------------

const work = await mkdtemp(join(tmpdir(), 'stationdesk-figures-'));
const dataDir = join(work, 'data');
await cp(source, dataDir, { recursive: true });
console.log(`# app ${binary}\n# data ${source} (copied to ${dataDir})\n# load average at start: ${load()}`);
const driver = await Driver.start({ env: appEnv });
if (Object.keys(appEnv).length) console.log(`# app environment: ${JSON.stringify(appEnv)}`);
try {
  if (!args.includes('--skip-start')) {
    const fromProcess = [];
    const fromRequest = [];
    for (let run = 1; run <= runs; run++) {
      const r = await coldStart(driver, dataDir);
      fromProcess.push(r.fromProcess);
      fromRequest.push(r.fromRequest);
      console.log(
        `cold start ${run}: process start → login ready ${r.fromProcess.toFixed(0)} ms (session request → ready ${r.fromRequest.toFixed(0)} ms${r.already ? ', ready when first asked: an upper bound' : ''}); load ${load()}`,
      );
      await r.session.delete().catch(() => {});
      await sleep(500);
    }
    const summary = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return `median ${s[Math.floor((s.length - 1) / 2)].toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms, min ${s[0].toFixed(0)} ms`;
    };
    console.log(`COLD START (${runs} runs) process start → login ready: ${summary(fromProcess)}`);
    console.log(`COLD START (${runs} runs) session request → login ready: ${summary(fromRequest)}`);
  }

  if (!args.includes('--skip-memory')) {
    const { session } = await coldStart(driver, dataDir);
    // First at the login screen: what the window costs before any screen holds data.
    await sleep(5_000);
    const atLogin = await memoryTable(driver, 'at the login screen');
    console.log(`MEMORY total PSS ${(atLogin / 1024).toFixed(1)} MB at the login screen; load ${load()}`);
    // Each step timed in the page, to compare settings that trade speed for memory (the JavaScript JIT).
    await login(session, '李顾问', '2222');
    await session.waitForVisible('[data-testid=board]', { timeout: 60_000 });
    const cards = await waitFor('cards on the board', async () => {
      const found = await session.findAll('[data-testid=board-card]');
      return found.length > 0 && found;
    });
    await shot(session, 'figures-board.png');
    const steps = { 'card → order page': await timedStep(session, '[data-testid=board-card]', null, '[data-testid=order-number]') };
    await shot(session, 'figures-order.png');
    steps['search 王 → hits'] = await timedStep(session, '[data-testid=search-input]', '王', '[data-testid=search-hit]');
    const hits = (await session.findAll('[data-testid=search-hit]')).length;
    console.log(`# search for 王: ${hits} hits shown`);
    console.log(`STEPS ${Object.entries(steps).map(([k, ms]) => `${k} ${ms} ms`).join('; ')}`);
    await shot(session, 'figures-search.png');
    // Let the page settle (timers, GC) before reading memory.
    await sleep(5_000);
    const total = await memoryTable(driver, `after the board (${cards.length} cards), an order page and a search`);
    console.log(`MEMORY total PSS ${(total / 1024).toFixed(1)} MB after board (${cards.length} cards), an order page and a search; load ${load()}`);
    const heap = await session.execute('return performance.memory ? performance.memory.usedJSHeapSize : null').catch(() => null);
    if (heap) console.log(`# JS heap used: ${(heap / 1048576).toFixed(1)} MB`);
    await session.delete().catch(() => {});
  }
} finally {
  driver.stop();
  await rm(work, { recursive: true, force: true });
}
