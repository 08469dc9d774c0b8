// Recall campaigns end to end, against a real head office and a real station:
// the administrator adds a campaign in the console's Master data (a bad VIN is
// named beside its field), the station pulls it, the advisor marks it
// performed on the order page, the mark goes up with the station's sync, and
// the campaign's completion page counts it (1 of 2 listed VINs done, the
// other open). Screenshots of the order page (open, then done) and the
// completion page in zh-CN and en at 1280×800.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logInToConsole, setUpWithHeadOffice, startHeadOffice, syncUntil, waitForSync } from './headoffice.mjs';
import { callApi, screenshot, setLocale, tokenOf, uiText, withApp, withCheckDigit } from './helpers.mjs';

const ADMIN_PASSWORD = 'console password 1';

test('a recall campaign added in the console is marked performed at the station and counted in its completion', { timeout: 240_000 }, async () => {
  const ho = await startHeadOffice();
  const vin = withCheckDigit('LSVAU2180N2183294');
  const other = withCheckDigit('LSVAU2180N2183301');
  try {
    ho.createAdmin('admin', '总部管理员', ADMIN_PASSWORD);
    await withApp(async (page, app) => {
      const console_ = await page.context().newPage();
      console_.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
      try {
        await logInToConsole(console_, ho, 'admin', ADMIN_PASSWORD);
        await console_.getByTestId('nav-master').click();
        await console_.getByTestId('master-tab-recall_campaign').click();
        await console_.getByTestId('master-add').click();
        await console_.getByTestId('master-field-campaign_id').fill('RC-2026-014');
        await console_.getByTestId('master-field-title').fill('前排安全气囊气体发生器更换');
        await console_.getByTestId('master-field-vins').fill(`${vin} NOTAVIN`);
        await console_.getByTestId('master-save').click();
        const err = console_.locator('[data-testid="field-error"][data-field="vins"]');
        await err.waitFor();
        assert.equal(await err.getAttribute('data-code'), 'master.vin');
        await console_.getByTestId('master-field-vins').fill(`${vin} ${other}`);
        await console_.getByTestId('master-save').click();
        await console_.locator('[data-testid="master-row"][data-id="RC-2026-014"]').waitFor();

        await setUpWithHeadOffice(page, ho);
        const token = await tokenOf(page);
        const customer = await callApi(
          app.url,
          'create_customer',
          { name: '李娜', phones: ['13912345678'], email: '', company: '', language: 'zh-CN', consent_marketing: false, consent_data: true, notes: '' },
          token,
        );
        const vehicle = await callApi(app.url, 'create_vehicle', { customer_id: customer.id, fields: { plate: '沪A88888', vin, make: '大众', model: '朗逸' }, confirm: [] }, token);
        await waitForSync(app.url, token);
        await syncUntil(app.url, token, async () => (await callApi(app.url, 'vehicle_alerts', { vehicle_id: vehicle.id }, token)).recalls.length === 1);
        const order = await callApi(
          app.url,
          'check_in',
          { customer_id: customer.id, vehicle_id: vehicle.id, service_type: 'recall', odometer_km: 30211, fuel_eighths: 4, damage_marks: [], photos: [], personal_items: '', concerns: [{ text: '召回：更换前排气囊', fault_codes: [] }], priority: 'normal', confirm: [] },
          token,
        );

        await page.setViewportSize({ width: 1280, height: 800 });
        await page.goto(`${app.url}/#/orders/${order.id}`);
        await setLocale(page, 'zh-CN');
        const recall = page.locator('[data-testid="recall"][data-campaign="RC-2026-014"]');
        await recall.waitFor();
        assert.equal(await recall.getAttribute('data-done'), 'no');
        await recall.getByTestId('recall-mark').click();
        await recall.getByTestId('recall-form').waitFor();
        await screenshot(page, 'order-recall-open-zh-CN');
        await recall.getByTestId('recall-confirm').click();
        await page.locator('[data-testid="recall"][data-done="yes"]').waitFor();
        assert.equal(await recall.getByTestId('recall-mark').count(), 0, 'done once: no second mark');
        await screenshot(page, 'order-recall-done-zh-CN');
        // The audit log says what happened in words ("召回 · 已执行"), with who and the order number, and no record id.
        const logged = page.locator('[data-testid="audit-entry"]', { hasText: uiText('history.entity.ro_recall', 'zh-CN') }).first();
        await logged.waitFor();
        assert.equal((await logged.getByTestId('audit-what').textContent()).trim(), `${uiText('history.entity.ro_recall', 'zh-CN')} · ${uiText('history.action.perform', 'zh-CN')}`);
        assert.match(await logged.textContent(), new RegExp(order.number));
        assert.doesNotMatch(await page.getByTestId('audit').textContent(), /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/i, 'no uuid in the audit log');
        await setLocale(page, 'en');
        await page.locator('[data-testid="recall-done"]', { hasText: 'Done on this order' }).waitFor();
        await screenshot(page, 'order-recall-done-en');

        const synced = await syncUntil(app.url, token, (s) => s.pending_changes === 0);
        assert.equal(synced.rejection_count, 0, `the head office takes the performed recall: ${JSON.stringify(synced.rejections)}`);
        await console_.getByTestId('nav-recalls').click();
        await console_.locator('[data-testid="recall-row"][data-id="RC-2026-014"]').getByTestId('recall-link').click();
        await console_.getByTestId('recall-vins').waitFor();
        assert.equal((await console_.getByTestId('recall-covered').locator('.big').textContent()).trim(), '2');
        assert.equal((await console_.getByTestId('recall-done').locator('.big').textContent()).trim(), '1');
        assert.equal((await console_.getByTestId('recall-share').locator('.big').textContent()).trim(), '50 %');
        const done = console_.locator(`[data-testid="recall-vin"][data-vin="${vin}"]`);
        assert.equal(await done.getAttribute('data-status'), 'done');
        assert.match(await done.textContent(), new RegExp(order.number));
        assert.match(await done.textContent(), /SH01/);
        assert.equal(await console_.locator(`[data-testid="recall-vin"][data-vin="${other}"]`).getAttribute('data-status'), 'open');
        await console_.getByTestId('recall-filter-status').selectOption('open');
        await console_.waitForFunction(() => document.querySelectorAll('[data-testid="recall-vin"]').length === 1);
        await console_.getByTestId('recall-filter-status').selectOption('all');
        await console_.waitForFunction(() => document.querySelectorAll('[data-testid="recall-vin"]').length === 2);
        await screenshot(console_, 'console-recall-zh-CN');
        await console_.getByTestId('lang-en').click();
        await console_.locator('h1', { hasText: uiText('console.recalls.title', 'en') }).waitFor();
        await screenshot(console_, 'console-recall-en');
        await console_.getByTestId('nav-master').click();
        await console_.getByTestId('master-tab-recall_campaign').click();
        await console_.locator('[data-testid="master-row"][data-id="RC-2026-014"]').waitFor();
        await screenshot(console_, 'console-master-recalls-en');
      } catch (e) {
        await screenshot(console_, 'console-recalls-failure').catch(() => undefined);
        await screenshot(page, 'order-recalls-failure').catch(() => undefined);
        throw e;
      }
    });
  } finally {
    await ho.stop();
  }
});
