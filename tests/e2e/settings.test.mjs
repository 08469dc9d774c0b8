// The station manager's settings and staff screens: the tax rate (a percentage
// in the UI, basis points in the core) and the repeat-repair window survive a
// reload, the QC checklist is edited, and a technician added here can log in.
// The page names the running version: the workspace's one (docs/release.md, "Versions").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { callApi, logIn, screenshot, setUpStation, tokenOf, withApp } from './helpers.mjs';

const fieldError = (page, field) => page.locator(`[data-testid="field-error"][data-field="${field}"]`);

async function shoot(page, name) {
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(150);
    await screenshot(page, `${name}.${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('the manager sets the tax rate, the repeat-repair window and the QC checklist', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { manager: 'Wang' });
    await page.getByTestId('lang-en').click();
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-form').waitFor();
    const cargo = readFileSync(new URL('../../Cargo.toml', import.meta.url), 'utf8');
    const version = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(cargo)[1];
    assert.equal(await page.getByTestId('settings-version').textContent(), `StationDesk ${version}`);
    const token = await tokenOf(page);
    const before = await callApi(app.url, 'get_workflow_settings', {}, token);
    assert.equal(await page.getByTestId('settings-tax-rate').inputValue(), String(before.tax_rate_bp / 100));

    // Refusals appear beside their field: one caught in the UI, one from the core.
    await page.getByTestId('settings-tax-rate').fill('6.255');
    await page.getByTestId('settings-save').click();
    await fieldError(page, 'tax_rate_bp').waitFor();
    assert.match(await fieldError(page, 'tax_rate_bp').textContent(), /0 and 100/);
    await page.getByTestId('settings-tax-rate').fill('6.5');
    await page.getByTestId('settings-repeat-days').fill('400');
    await page.getByTestId('settings-save').click();
    await fieldError(page, 'repeat_repair_days').waitFor();
    assert.equal(await fieldError(page, 'repeat_repair_days').getAttribute('data-code'), 'settings.repeat_repair_days');

    await page.getByTestId('settings-repeat-days').fill('14');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    // 6.5 % is 650 basis points in the core.
    assert.deepEqual(await callApi(app.url, 'get_workflow_settings', {}, token), { tax_rate_bp: 650, repeat_repair_days: 14, follow_up_give_up_days: 15, compensation_approval_minor: 50000 });

    await page.reload();
    await page.getByTestId('settings-form').waitFor();
    assert.equal(await page.getByTestId('settings-tax-rate').inputValue(), '6.5');
    assert.equal(await page.getByTestId('settings-repeat-days').inputValue(), '14');

    // The QC checklist: an empty item is refused beside the input; add, move up, rename, deactivate.
    const labels = async () => page.getByTestId('qc-item').evaluateAll((els) => els.map((e) => e.dataset.label));
    await page.getByTestId('qc-add').click();
    await page.locator('[data-testid="qc-add-form"] [data-testid="field-error"][data-field="label"]').waitFor();
    await page.getByTestId('qc-new-label').fill('Tyre pressures set');
    await page.getByTestId('qc-add').click();
    await page.locator('[data-testid="qc-item"][data-label="Tyre pressures set"]').waitFor();
    const added = await labels();
    assert.equal(added.at(-1), 'Tyre pressures set');

    await page.locator('[data-testid="qc-item"][data-label="Tyre pressures set"] [data-testid="qc-up"]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="qc-item"]')].at(-2)?.dataset.label === 'Tyre pressures set');

    await page.locator('[data-testid="qc-item"][data-label="Tyre pressures set"] [data-testid="qc-rename"]').click();
    await page.getByTestId('qc-rename-input').fill('Tyre pressures set to the door label');
    await page.getByTestId('qc-rename-save').click();
    await page.locator('[data-testid="qc-item"][data-label="Tyre pressures set to the door label"]').waitFor();

    const first = added[0];
    await page.locator(`[data-testid="qc-item"][data-label="${first}"] [data-testid="qc-deactivate"]`).click();
    await page.locator(`[data-testid="qc-item"][data-label="${first}"] [data-testid="qc-activate"]`).waitFor();
    const items = (await callApi(app.url, 'list_qc_items', {}, token)).items;
    assert.equal(items.find((i) => i.label === first).active, false);
    const active = items.filter((i) => i.active).sort((a, b) => a.position - b.position).map((i) => i.label);
    assert.equal(active.at(-2), 'Tyre pressures set to the door label');

    await shoot(page, 'settings-en');
    await page.getByTestId('lang-zh').click();
    await shoot(page, 'settings-zh-CN');
  });
});

test('the manager adds a technician who can then log in, and cannot demote themselves', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { manager: 'Wang' });
    await page.getByTestId('lang-en').click();
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('tab-staff').click();
    await page.locator('[data-testid="staff-row"][data-name="Wang"]').waitFor();

    await page.getByTestId('staff-new').click();
    await page.getByTestId('new-name').fill('Li Tech');
    await page.getByTestId('new-role').selectOption('technician');
    await page.getByTestId('new-pin').fill('12');
    await page.getByTestId('new-pin2').fill('13');
    await page.getByTestId('new-save').click();
    await fieldError(page, 'pin2').waitFor();
    await page.getByTestId('new-pin2').fill('12');
    await page.getByTestId('new-save').click();
    await fieldError(page, 'pin').waitFor();
    assert.equal(await fieldError(page, 'pin').getAttribute('data-code'), 'pin.format');
    await page.getByTestId('new-pin').fill('1357');
    await page.getByTestId('new-pin2').fill('1357');
    await page.getByTestId('new-save').click();
    await page.getByTestId('staff-notice').waitFor();
    const row = page.locator('[data-testid="staff-row"][data-name="Li Tech"]');
    await row.waitFor();
    assert.match(await row.textContent(), /Technician/);

    // The manager may not demote themselves: said beside the role.
    await page.locator('[data-testid="staff-row"][data-name="Wang"] [data-testid="staff-edit"]').click();
    await page.getByTestId('edit-role').selectOption('advisor');
    await page.getByTestId('edit-save').click();
    await fieldError(page, 'role').waitFor();
    assert.equal(await fieldError(page, 'role').getAttribute('data-code'), 'staff.self_demotion');
    assert.match(await fieldError(page, 'role').textContent(), /another manager/);
    const me = (await callApi(app.url, 'list_staff', {}, await tokenOf(page))).staff.find((s) => s.name === 'Wang');
    assert.equal(me.role, 'manager');

    await shoot(page, 'staff-en');
    await page.getByTestId('lang-zh').click();
    assert.match(await fieldError(page, 'role').textContent(), /另一位站长/);
    await shoot(page, 'staff-zh-CN');
    await page.getByTestId('lang-en').click();

    // The new technician logs in.
    await page.getByTestId('logout').click();
    await logIn(page, { staffName: 'Li Tech', pin: '1357' });
    assert.match(await page.getByTestId('current-user').textContent(), /Li Tech\s*Technician/);
    assert.equal(await page.getByTestId('nav-settings').count(), 0);
  });
});
