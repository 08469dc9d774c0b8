// A customer's consent, the export of everything held on them, and encrypted
// backups, through the UI: the form shows the consent text the core records
// the version of; withdrawing shows in the history and in who may be called;
// the manager's Export button downloads a ZIP holding the listed parts; in
// Settings a manager sets up the backup key and backs up now, and
// `stationdesk restore-backup` brings the data back into a fresh folder (and
// refuses another key).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inflateRawSync } from 'node:zlib';
import { appBinary, callApi, freePort, screenshot, setUpStation, staffLogin, tokenOf, uiText, withApp } from './helpers.mjs';

/** The entries of a ZIP (names → bytes), read from its central directory; stored and deflated entries only. */
function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'a ZIP file');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

test('consent shows its text, a withdrawal is listed and stops marketing, and the manager exports the customer as a ZIP', { timeout: 180_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page);
    const token = await tokenOf(page);
    const customer = await callApi(app.url, 'create_customer', { name: '王芳', phones: ['13812345678'], language: 'zh-CN', consent_data: true, consent_marketing: true }, token);
    await page.goto(`${app.url}/#/customers/${customer.id}`);
    await page.getByTestId('customer-consents').waitFor();

    // The form shows the current text the core records the version of, in the customer's language.
    const texts = await callApi(app.url, 'consent_texts', {}, token);
    const marketing = texts.texts.find((x) => x.kind === 'marketing');
    assert.equal(customer.consent_marketing_version, marketing.version);
    assert.equal(await page.getByTestId('consent-text-marketing').textContent(), marketing.zh_cn);
    await page.getByTestId('customer-consent-marketing').uncheck();
    await page.getByTestId('customer-save').click();
    await page.locator('[data-testid="contact-marketing"][data-allowed="false"]').waitFor();
    assert.equal(await page.locator('[data-testid="contact-completion_notice"][data-allowed="true"] [data-testid=service-necessary]').count(), 1);
    await page.getByTestId('consent-history').locator('summary').click();
    const rows = await page.getByTestId('consent-event').allTextContents();
    assert.equal(rows.length, 3, rows.join(' | '));
    assert.match(rows[2], new RegExp(`${uiText('consent.kind_marketing')}.*${uiText('consent.withdrawn')}.*${marketing.version.replace('.', '\\.')}`));
    await screenshot(page, 'privacy/customer-consents');

    // Export: the manager's button downloads the ZIP of the whole archive.
    const download = page.waitForEvent('download');
    await page.getByTestId('customer-export').click();
    const file = await download;
    assert.match(file.suggestedFilename(), new RegExp(`^customer-${customer.customer_no}-\\d{8}\\.zip$`));
    const zip = unzip(readFileSync(await file.path()));
    for (const part of ['customer.json', 'vehicles.json', 'orders.json', 'documents.json', 'complaints.json', 'follow_ups.json', 'service_requests.json', 'consents.json', 'manifest.json']) {
      assert.ok(zip.has(part), `${part} in ${[...zip.keys()]}`);
    }
    assert.equal(JSON.parse(zip.get('customer.json')).name, '王芳');
    assert.deepEqual(JSON.parse(zip.get('consents.json')).history.map((h) => [h.kind, h.given]), [['data', true], ['marketing', true], ['marketing', false]]);
    await page.getByTestId('customer-exported').waitFor();

    // An advisor has no Export button.
    await callApi(app.url, 'create_staff', { name: '李顾问', role: 'advisor', pin: '2222' }, token);
    const advisor = await staffLogin(app.url, '李顾问', '2222');
    assert.equal((await callApi(app.url, 'get_customer', { id: customer.id }, advisor.token)).can_export, false);
  });
});

/** `stationdesk serve` on an existing data folder; resolves once it answers. */
async function serveFolder(dataDir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(appBinary(), ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore', env: { ...process.env, RUST_LOG: 'warn' } });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/api/setup_status`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } })).ok) break;
    } catch {
      /* not yet */
    }
    await sleep(150);
  }
  return { url, stop: () => child.kill('SIGTERM') };
}

test('a manager sets up the backup key and backs up now; restore-backup brings the data back and refuses another key', { timeout: 180_000 }, async () => {
  const keep = mkdtempSync(join(tmpdir(), 'stationdesk-backup-'));
  try {
    let backupFile;
    let customerId;
    await withApp(async (page, app) => {
      await setUpStation(page, { manager: 'Wang' });
      await page.getByTestId('lang-en').click();
      const token = await tokenOf(page);
      customerId = (await callApi(app.url, 'create_customer', { name: 'Fang Wang', phones: ['13812345678'], language: 'en' }, token)).id;
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('backups').waitFor();
      assert.match(await page.getByTestId('backup-key').textContent(), /No key set up/);
      assert.ok(await page.getByTestId('backup-run').isDisabled(), 'no backup without a key');

      await page.getByTestId('backup-set-key').click();
      const secret = (await page.getByTestId('backup-secret-key').textContent()).trim();
      assert.match(secret, /^AGE-SECRET-KEY-1[0-9A-Z]+$/);
      assert.match(await page.getByTestId('backup-key').textContent(), /^age1/);
      writeFileSync(join(keep, 'key.txt'), `# the key Settings showed\n${secret}\n`);
      await page.getByTestId('backup-run').click();
      await page.getByTestId('backup-last').filter({ hasText: 'stationdesk-' }).waitFor();
      await screenshot(page, 'privacy/settings-backups');
      const status = await callApi(app.url, 'backup_status', {}, token);
      backupFile = join(keep, status.last_backup_file);
      copyFileSync(join(app.dataDir, 'backups', status.last_backup_file), backupFile);
      // The manager changes the key: the backup made before needs the old one.
      await page.getByTestId('backup-set-key').click();
      await page.getByTestId('backup-secret-key').filter({ hasNotText: secret }).waitFor();
      writeFileSync(join(keep, 'wrong.txt'), `${(await page.getByTestId('backup-secret-key').textContent()).trim()}\n`);
      // A change after the backup, which the restore must undo.
      await callApi(app.url, 'update_customer', { id: customerId, fields: { name: 'Renamed', phones: ['13812345678'], language: 'en' } }, token);
    });

    const target = join(keep, 'restored');
    const wrong = join(keep, 'wrong.txt');
    const refused = spawnSync(appBinary(), ['restore-backup', backupFile, '--key', wrong, '--data-dir', target], { encoding: 'utf8' });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /encrypted to another key.*backup\.wrong_key/);

    const restored = spawnSync(appBinary(), ['restore-backup', backupFile, '--key', join(keep, 'key.txt'), '--data-dir', target], { encoding: 'utf8' });
    assert.equal(restored.status, 0, restored.stderr);
    assert.match(restored.stdout, /^Restored /);

    const app = await serveFolder(target);
    try {
      const { token } = await staffLogin(app.url, 'Wang', '2468');
      assert.equal((await callApi(app.url, 'get_customer', { id: customerId }, token)).customer.name, 'Fang Wang');
    } finally {
      app.stop();
    }
  } finally {
    rmSync(keep, { recursive: true, force: true });
  }
});
