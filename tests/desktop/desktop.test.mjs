// The real StationDesk window (Tauri + WebKitGTK), driven through WebKitWebDriver.
// Run under a display: `xvfb-run -a -s "-screen 0 1920x1080x24" npm run test:desktop`
// (scripts/test.sh does). The binary is $STATIONDESK_BIN, or
// $CARGO_TARGET_DIR/debug/stationdesk after `cargo build -p stationdesk`.
// Screenshots go to tests/artifacts/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Driver, waitFor } from './webdriver.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '..', 'artifacts');
const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'stationdesk', 'target');
const binary = resolve(process.env.STATIONDESK_BIN || join(targetDir, 'debug', 'stationdesk'));

// Demo data from the station crate: an advisor whose PIN is 2222.
const ADVISOR = '李顾问';
const ADVISOR_PIN = '2222';

async function saveScreenshot(session, name) {
  await mkdir(artifacts, { recursive: true });
  const png = Buffer.from(await session.screenshot(), 'base64');
  const path = join(artifacts, name);
  await writeFile(path, png);
  return { path, png };
}

describe('the StationDesk desktop window', { timeout: 240_000 }, () => {
  let dataDir;
  let openedLog;
  let driver;
  let session;
  let failed = false;

  before(async () => {
    assert.ok(existsSync(binary), `no app binary at ${binary}: run \`cargo build -p stationdesk\` or set STATIONDESK_BIN`);
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
      assert.fail('no display: run under xvfb-run (scripts/test.sh does)');
    }
    dataDir = await mkdtemp(join(tmpdir(), 'stationdesk-desktop-'));
    // The system PDF viewer is reached through xdg-open; a stand-in records what the app asked it to open.
    const bin = join(dataDir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'xdg-open'), '#!/bin/sh\nprintf "%s\\n" "$1" >> "$STATIONDESK_OPENED"\n');
    await chmod(join(bin, 'xdg-open'), 0o755);
    openedLog = join(dataDir, 'opened.log');
    try {
      driver = await Driver.start({ env: { PATH: `${bin}:${process.env.PATH}`, STATIONDESK_OPENED: openedLog } });
      session = await driver.newSession(binary, ['--data-dir', dataDir]);
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  after(async () => {
    if (session) {
      if (failed) await saveScreenshot(session, 'desktop-failure.png').catch(() => {});
      await session.delete().catch((error) => console.error(`# deleting the session: ${error.message}`));
    }
    driver?.stop();
    if (failed && driver?.log) console.error(`# WebKitWebDriver and app output (last part):\n${driver.log.slice(-5_000)}`);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  // Marks the suite failed (for the failure screenshot and the driver log) and rethrows.
  const step = (name, fn) =>
    test(name, async (t) => {
      try {
        await fn(t);
      } catch (error) {
        failed = true;
        throw error;
      }
    });

  step('the window opens on the UI built into the app', async () => {
    const url = await waitFor('the UI to load', async () => {
      const ready = await session.execute('return document.readyState');
      return ready === 'complete' && (await session.url());
    });
    // tauri://localhost is the app's own protocol: the embedded ui/dist, not a dev server.
    assert.match(url, /^tauri:\/\/localhost([/?#]|$)/);
    const { png } = await saveScreenshot(session, 'desktop-launch.png');
    assert.ok(png.subarray(1, 4).toString() === 'PNG' && png.length > 1_000, 'the screenshot is a PNG');
  });

  step('the desktop window launches, logs an advisor in and shows the board', async () => {
    // First run: the station offers demo data.
    const loadDemo = await session.waitForVisible('[data-testid=load-demo]', { timeout: 60_000 });
    await loadDemo.click();

    // The login screen: pick the advisor, type the PIN.
    const staff = await session.waitForVisible('[data-testid=login-staff]', { timeout: 60_000 });
    await chooseStaff(session, staff, ADVISOR);
    const pin = await session.waitForVisible('[data-testid=login-pin]');
    await pin.clear();
    await pin.type(ADVISOR_PIN);
    await (await session.waitForVisible('[data-testid=login-submit]')).click();

    await session.waitForVisible('[data-testid=board]', { timeout: 60_000 });
    const cards = await waitFor('a card on the board', async () => {
      const found = await session.findAll('[data-testid=board-card]');
      return found.length > 0 && found;
    });
    const { path } = await saveScreenshot(session, 'desktop-board.png');
    console.log(`# ${cards.length} cards on the board; screenshot: ${path}`);
    assert.ok(cards.length >= 1);
  });

  step('a signed document prints to a PDF that opens in the system viewer', async () => {
    // Through the window's own IPC, as a manager: one demo order diagnosed, estimated
    // and authorized by phone (a signed intake). The advisor's session stays as it is.
    const order = await session.execute(
      `return (async () => {
       const call = (op, input, token = null) => window.__TAURI_INTERNALS__.invoke('call', { op, token, input });
       const staff = (await call('setup_status', {})).staff.find((s) => s.name === '王经理');
       const { token } = await call('login', { staff_id: staff.id, pin: '1111' });
       const as = (op, input) => call(op, input, token);
       const card = (await as('board', {})).cards.find((c) => c.status === 'checked_in');
       let d = await as('get_order_detail', { id: card.id });
       const v = () => d.order.version;
       d = await as('move_order', { ro_id: d.order.id, expected_version: v(), to: 'diagnosing', note: '' });
       d = await as('add_line', { job_id: d.jobs[0].id, expected_version: v(), kind: 'sublet', description: '四轮定位', unit_price: 12000 });
       d = await as('move_order', { ro_id: d.order.id, expected_version: v(), to: 'estimate_ready', note: '' });
       const name = d.order.customer.name;
       d = await as('record_authorization', { ro_id: d.order.id, expected_version: v(), method: 'phone', approver_name: name,
         approved_job_ids: d.jobs.map((j) => j.id), amount: d.totals.estimate.total, note: '',
         customer_signature: { method: 'by_phone', signer_name: name, phone_approved_by: name, phone_at: new Date().toISOString() } });
       return { id: d.order.id, number: d.order.number, status: d.order.status, hash: d.authorizations[0].hash };
       })();`,
    );
    assert.equal(order.status, 'approved');
    await session.execute(`location.hash = '#/orders/${order.id}'`);
    await (await session.waitForVisible('[data-testid=auth-print]', { timeout: 60_000 })).click();

    const opened = await waitFor('the PDF handed to the system viewer', async () => {
      const log = await readFile(openedLog, 'utf8').catch(() => '');
      return log.trim().split('\n').filter(Boolean)[0];
    });
    assert.equal(opened, join(tmpdir(), 'stationdesk', `${order.number}-intake-zh-CN-${order.hash.slice(0, 8)}.pdf`));
    const pdf = await readFile(opened);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-', 'the file the viewer opens is the PDF');
    await session.waitForVisible('[data-testid=archived-document][data-kind=intake_order]');
    await saveScreenshot(session, 'desktop-printed.png');
  });
});

/** Selects the staff member whose label contains `name`: a <select>, or a list of clickable entries. */
async function chooseStaff(session, staff, name) {
  const tag = (await staff.tagName()).toLowerCase();
  if (tag === 'select') {
    const option = await waitFor(`an option for ${name}`, async () => {
      for (const candidate of await session.findAll('option', staff)) {
        if ((await candidate.text()).includes(name)) return candidate;
      }
      return null;
    });
    await option.click();
    // Clicking an <option> selects it in WebKit; make sure, and tell the app if not.
    const chosen = await session.execute(
      `const [select, option] = arguments;
       if (!option.selected) {
         select.value = option.value;
         select.dispatchEvent(new Event('input', { bubbles: true }));
         select.dispatchEvent(new Event('change', { bubbles: true }));
       }
       return select.selectedOptions[0]?.textContent ?? '';`,
      [staff, option],
    );
    assert.ok(chosen.includes(name), `selected "${chosen}", wanted ${name}`);
    return;
  }
  const [entry] = await waitFor(`an entry for ${name}`, async () => {
    // The innermost element whose text contains the name; a click on it reaches its button.
    const found = await session.findAllXPath(
      `descendant-or-self::*[contains(., '${name}')][not(*[contains(., '${name}')])]`,
      staff,
    );
    return found.length > 0 && found;
  });
  await entry.click();
}
