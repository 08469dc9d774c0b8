// The head office in the UI: a standalone station says "not connected" in
// Settings → Head office; enrolling against an address nobody answers (the
// loopback discard port) shows the translated error beside the URL field and
// never gets in the way of local work; first-run setup with a head office that
// cannot be reached still sets the station up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, screenshot, setUpStation, tokenOf, withApp } from './helpers.mjs';

// Loopback only: port 9 (discard) refuses at once on a test machine.
const UNREACHABLE = 'http://127.0.0.1:9';
const fieldError = (page, field) => page.locator(`[data-testid="field-error"][data-field="${field}"]`);

async function shoot(page, name) {
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(150);
    await screenshot(page, `${name}.${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('a standalone station, then an enrollment that cannot reach the head office', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { manager: 'Wang' });
    await page.getByTestId('lang-en').click();

    // The top bar's dot is grey for a standalone station and leads the manager to the tab.
    const dot = page.getByTestId('sync-indicator');
    await dot.waitFor();
    assert.equal(await dot.getAttribute('data-level'), 'standalone');
    await dot.click();
    await page.getByTestId('head-office').waitFor();
    assert.equal(await page.getByTestId('tab-head-office').getAttribute('aria-current'), 'page');
    assert.equal(await page.getByTestId('sync-state').getAttribute('data-level'), 'standalone');
    assert.match(await page.getByTestId('sync-state').textContent(), /Not connected/);
    await page.getByTestId('sync-standalone').waitFor();
    assert.equal(await page.getByTestId('sync-now').count(), 0, 'nothing to sync without a head office');
    await shoot(page, 'head-office-standalone-en');
    await page.getByTestId('lang-zh').click();
    await page.getByTestId('sync-state').filter({ hasText: '未连接总部' }).waitFor();
    await shoot(page, 'head-office-standalone-zh-CN');
    await page.getByTestId('lang-en').click();

    // Empty fields are refused beside them.
    await page.getByTestId('enroll-submit').click();
    await fieldError(page, 'head_office_url').waitFor();
    assert.equal(await fieldError(page, 'head_office_url').getAttribute('data-code'), 'sync.url');

    // An address nobody answers: the translated error beside the URL field.
    await page.getByTestId('enroll-url').fill(UNREACHABLE);
    await page.getByTestId('enroll-code').fill('not-a-real-code');
    await page.getByTestId('enroll-submit').click();
    const err = fieldError(page, 'head_office_url');
    await err.filter({ hasText: 'cannot be reached' }).waitFor({ timeout: 30_000 });
    assert.equal(await err.getAttribute('data-code'), 'sync.unreachable');
    const token = await tokenOf(page);
    const status = await callApi(app.url, 'sync_status', {}, token);
    assert.equal(status.enrolled, false, 'a failed enrollment leaves the station standalone');
    await shoot(page, 'head-office-error-en');
    await page.getByTestId('lang-zh').click();
    await err.filter({ hasText: '无法连接总部' }).waitFor();
    await shoot(page, 'head-office-error-zh-CN');
    await page.getByTestId('lang-en').click();

    // Local work goes on: a new customer is saved.
    await page.getByTestId('nav-new-customer').click();
    await page.getByTestId('customer-name').fill('Zhao Lei');
    await page.getByTestId('customer-phone').first().fill('139 8765 4321');
    await page.getByTestId('customer-save').click();
    await page.waitForFunction(() => /#\/customers\/(?!new)/.test(location.hash));
    const found = await callApi(app.url, 'search', { q: '13987654321' }, token);
    assert.equal(found.hits[0]?.customer.name, 'Zhao Lei');
  });
});

test('first-run setup with an unreachable head office still sets the station up', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await page.getByTestId('setup').waitFor();
    await page.getByTestId('lang-en').click();
    await page.getByTestId('setup-station-code').fill('SH02');
    await page.getByTestId('setup-station-name').fill('Sync Station');
    await page.getByTestId('setup-manager-name').fill('Li');
    await page.getByTestId('setup-manager-pin').fill('2468');
    await page.getByTestId('setup-manager-pin2').fill('2468');
    await page.getByTestId('setup-connect').check();
    await page.getByTestId('setup-ho-url').fill(UNREACHABLE);
    await page.getByTestId('setup-ho-code').fill('some-code');
    await page.getByTestId('setup-submit').click();

    await page.getByTestId('setup-enroll-failed').waitFor({ timeout: 30_000 });
    assert.equal(await fieldError(page, 'head_office_url').getAttribute('data-code'), 'sync.unreachable');
    assert.equal((await callApi(app.url, 'setup_status')).is_set_up, true, 'the setup stands');
    await screenshot(page, 'setup-enroll-failed-en');

    // Retrying fails the same way; continuing opens the board as the manager.
    await page.getByTestId('setup-enroll-retry').click();
    await fieldError(page, 'head_office_url').waitFor();
    await page.getByTestId('setup-continue').click();
    await page.getByTestId('board').waitFor();
    await page.getByTestId('current-user').filter({ hasText: 'Li' }).waitFor();
    assert.equal(await page.getByTestId('sync-indicator').getAttribute('data-level'), 'standalone');
  });
});
