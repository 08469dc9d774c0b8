// The front desk's way into a check-in (issue 11), in zh-CN: New check-in opens
// the search; a plate typed there lands in the vehicle form; an electric car's
// check-in asks for its battery level and will not go on without it; a
// returning car's first step shows its last odometer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, screenshot, setUpStation, tokenOf, uiText, withApp, withCheckDigit } from './helpers.mjs';

const tr = (key, params) => uiText(key, 'zh-CN', params);

test('New check-in opens the search, and a returning car shows its last odometer in the first step', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { code: 'SH01', name: '浦东服务站', manager: '王经理', pin: '2468' });
    const token = await tokenOf(page);
    const customer = await callApi(app.url, 'create_customer', { name: '罗磊', phones: ['13912345678'], language: 'zh-CN', consent_data: true }, token);
    const vehicle = await callApi(app.url, 'create_vehicle', { customer_id: customer.id, fields: { plate: '沪A12345', vin: withCheckDigit('LSVAU2180N2183294'), make: '大众', model: '朗逸' }, confirm: [] }, token);
    assert.equal(vehicle.energy, 'fuel', 'a blue plate: fuel');
    await callApi(app.url, 'check_in', { customer_id: customer.id, vehicle_id: vehicle.id, service_type: 'maintenance', odometer_km: 23456, fuel_eighths: 3, concerns: [{ text: '空调不制冷' }], priority: 'normal' }, token);

    // The board's main button: the search, not the new-customer form.
    await page.getByTestId('new-check-in').click();
    await page.getByTestId('search-start').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'search-input');
    assert.equal((await page.getByTestId('search-start').textContent()).trim(), tr('search.start_hint'));
    await page.getByTestId('new-customer').waitFor();
    assert.equal(await page.getByTestId('customer-form').count(), 0, 'no customer form yet');
    await screenshot(page, 'checkin-entry-search');

    await page.keyboard.type('沪A12345');
    await page.getByTestId('search-hit').first().waitFor();
    await page.keyboard.press('Enter');
    await page.getByTestId('checkin').waitFor();
    const past = page.getByTestId('vehicle-past');
    await past.getByTestId('past-last-odometer').waitFor();
    assert.equal((await past.getByTestId('past-last-odometer').textContent()).trim(), '23,456 km');
    assert.match(await past.textContent(), /空调不制冷/, 'what was reported last time');
    await screenshot(page, 'checkin-entry-history');
  });
});

test('a plate typed in the search lands in the vehicle form, and a BYD on a green plate is asked for its battery level', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { code: 'SH01', name: '浦东服务站', manager: '王经理', pin: '2468' });

    await page.getByTestId('new-check-in').click();
    await page.keyboard.type('粤BD54321');
    await page.getByTestId('search-results').getByText(tr('search.no_results', { q: '粤BD54321' })).waitFor();
    await page.getByTestId('new-customer').click();

    // The plate is not a name: the name stays empty and the plate waits for the vehicle form.
    await page.getByTestId('customer-form').waitFor();
    assert.equal(await page.getByTestId('customer-name').inputValue(), '');
    assert.match(await page.getByTestId('carried-vehicle').textContent(), /粤BD54321/);
    await page.getByTestId('customer-name').fill('陈静');
    await page.getByTestId('customer-phone').first().fill('139 0000 2222');
    await page.getByTestId('customer-save-add-vehicle').click();

    await page.getByTestId('vehicle-form').waitFor();
    assert.equal(await page.getByTestId('plate').inputValue(), '粤BD54321', 'the vehicle form does not ask again for the plate');
    await page.getByTestId('vin').fill(withCheckDigit('LGXCE4CB0N0123456'));
    await page.getByTestId('vin-manufacturer').waitFor();
    // A green plate with D: electric, guessed and shown.
    await page.locator('[data-testid=energy-electric]:checked').waitFor({ state: 'attached' });
    await screenshot(page, 'checkin-entry-vehicle-form');
    await page.getByTestId('vehicle-save').click();

    await page.getByTestId('checkin').waitFor();
    await page.getByTestId('past-first-visit').waitFor();
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('odometer').fill('8000');
    // An electric car: battery, no fuel gauge; labelled 电量.
    await page.getByTestId('battery').waitFor();
    assert.equal(await page.getByTestId('fuel').count(), 0, 'no fuel gauge for an electric car');
    assert.match(await page.locator('label[for=ci-battery]').textContent(), new RegExp(tr('checkin.battery')));
    await page.getByTestId('checkin-next').click();
    const missing = page.locator('[data-testid=field-error][data-field=battery_percent]');
    await missing.waitFor();
    assert.equal(await missing.getAttribute('data-code'), 'battery.required');
    assert.equal(await page.getByTestId('checkin-step').getAttribute('data-step'), '2', 'it does not go on without the level');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'ci-battery', 'the cursor waits in the battery field');
    await screenshot(page, 'checkin-entry-battery-required');

    await page.keyboard.type('76');
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('concern-text').first().fill('续航变短');
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('summary-battery').waitFor();
    await page.getByTestId('checkin-submit').click();
    await page.getByTestId('repair-order').waitFor();
    assert.equal((await page.getByTestId('order-battery').textContent()).trim(), '76%');
    await screenshot(page, 'checkin-entry-order');

    // The core refuses the same check-in without the level, naming the field.
    const token = await tokenOf(page);
    const found = await callApi(app.url, 'search', { q: '粤BD54321' }, token);
    const hit = found.hits[0];
    const refused = await callApi(app.url, 'check_in', { customer_id: hit.customer.id, vehicle_id: hit.vehicles[0].id, service_type: 'repair', odometer_km: 8100, fuel_eighths: 4, concerns: [{ text: '再检查' }], priority: 'normal' }, token).catch((e) => e.body);
    assert.equal(refused.code, 'battery.required');
    assert.equal(refused.field, 'battery_percent');
  });
});
