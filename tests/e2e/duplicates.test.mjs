// Duplicates at the front desk, in Chinese as the desk works (issue 11): a
// second 罗磊 with the same phone, a second open order for a car, and a
// manager merging two records of one person.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, screenshot, setUpStation, tokenOf, uiText, withApp } from './helpers.mjs';

async function customer(url, token, name, phone, plate, confirm = []) {
  const c = await callApi(url, 'create_customer', { name, phones: [phone], language: 'zh-CN', confirm }, token);
  const v = await callApi(url, 'create_vehicle', { customer_id: c.id, fields: { plate, model: '朗逸' }, confirm: [] }, token);
  return { c, v };
}

function checkInInput(c, v, km) {
  return {
    customer_id: c.id,
    vehicle_id: v.id,
    service_type: 'maintenance',
    odometer_km: km,
    fuel_eighths: 4,
    concerns: [{ text: '常规保养', fault_codes: [] }],
    priority: 'normal',
  };
}

test('saving a second 罗磊 with the same phone shows the warning with the existing customer one click away', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { code: 'SH01' });
    await page.getByTestId('lang-zh').click();
    const token = await tokenOf(page);
    const { c: first } = await customer(app.url, token, '罗磊', '13812345678', '沪A12345');

    await page.goto(`${app.url}/#/customers/new`);
    await page.getByTestId('customer-form').waitFor();
    assert.equal(await page.getByTestId('customer-consent-data').isChecked(), false, 'consent is never ticked for the customer');
    assert.equal(await page.getByTestId('customer-consent-marketing').isChecked(), false);
    await page.getByTestId('customer-name').fill('罗磊');
    await page.getByTestId('customer-phone').first().fill('138 1234 5678');
    await page.getByTestId('customer-save-add-vehicle').click();

    const warning = page.locator('[data-testid=field-error][data-field="phones.0"]');
    await warning.waitFor();
    assert.equal(await warning.getAttribute('data-code'), 'customer.duplicate_phone');
    assert.equal((await warning.locator('.msg').textContent()).trim(), uiText('errors.customer.duplicate_phone', 'zh-CN', { name: '罗磊', customer_no: first.customer_no }));
    const use = page.getByTestId('use-existing-customer');
    assert.equal((await use.textContent()).trim(), uiText('dup.use_customer', 'zh-CN', { name: '罗磊', customer_no: first.customer_no }));
    await screenshot(page, 'duplicate-customer-warning');

    // One click: the check-in goes on with the 罗磊 already on file, and his car.
    await use.click();
    await page.getByTestId('checkin').waitFor();
    await page.getByTestId('checkin-customer').filter({ hasText: first.customer_no }).waitFor();
    await page.getByTestId('checkin-vehicle').filter({ hasText: '沪A12345' }).waitFor();
    const { hits } = await callApi(app.url, 'search', { q: '罗磊' }, token);
    assert.equal(hits.length, 1, 'no second 罗磊 was saved');

    // Someone else with the same phone (a family member) is saved once the advisor confirms.
    await page.goto(`${app.url}/#/customers/new`);
    await page.getByTestId('customer-name').fill('罗小红');
    await page.getByTestId('customer-phone').first().fill('13812345678');
    await page.getByTestId('customer-save').click();
    await warning.waitFor();
    // Ticking "I confirm" saves at once.
    await warning.getByTestId('confirm').click();
    await page.getByTestId('customer-no').waitFor();
    assert.equal((await callApi(app.url, 'search', { q: '13812345678' }, token)).hits.length, 2);
  });
});

test('a second open order for a car warns naming the open order, which is one click away', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { code: 'SH01' });
    await page.getByTestId('lang-zh').click();
    const token = await tokenOf(page);
    const { c, v } = await customer(app.url, token, '王芳', '13912345678', '沪B54321');
    const open = await callApi(app.url, 'check_in', checkInInput(c, v, 20_000), token);

    await page.goto(`${app.url}/#/check-in?customer=${c.id}&vehicle=${v.id}`);
    await page.getByTestId('checkin-vehicle').filter({ hasText: '沪B54321' }).waitFor();
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('odometer').fill('20100');
    await page.getByTestId('fuel-5').check({ force: true });
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('concern-text').first().fill('刹车异响');
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('checkin-summary').waitFor();
    await page.getByTestId('checkin-submit').click();

    const box = page.getByTestId('open-order-warning');
    await box.waitFor();
    const error = box.locator('[data-testid=field-error]');
    assert.equal(await error.getAttribute('data-code'), 'check_in.open_order');
    assert.equal((await error.locator('.msg').textContent()).trim(), uiText('errors.check_in.open_order', 'zh-CN', { number: open.number }));
    assert.match(await box.textContent(), new RegExp(open.number), 'the warning names the open order');
    await screenshot(page, 'duplicate-open-order');
    const orders = await callApi(app.url, 'get_customer', { id: c.id }, token);
    assert.equal(orders.orders.length, 1, 'nothing was created');

    await box.getByTestId('open-existing-order').click();
    await page.getByTestId('order-number').filter({ hasText: open.number }).waitFor();
  });
});

test('a manager merges two records of 罗磊: the car and the order move over and the other record points to the survivor', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { code: 'SH01' });
    await page.getByTestId('lang-zh').click();
    const token = await tokenOf(page);
    const { c: keep } = await customer(app.url, token, '罗磊', '13812340001', '沪A11111');
    const { c: dup, v: dupCar } = await customer(app.url, token, '罗磊', '13912340002', '沪A22222');
    const order = await callApi(app.url, 'check_in', checkInInput(dup, dupCar, 30_000), token);

    await page.goto(`${app.url}/#/customers/${keep.id}`);
    await page.getByTestId('merge-open').click();
    await page.getByTestId('merge-search').fill('13912340002');
    await page.getByTestId('merge-search').press('Enter');
    await page.getByTestId('merge-hit').filter({ hasText: dup.customer_no }).getByTestId('merge-pick').click();
    const preview = page.getByTestId('merge-preview');
    await preview.waitFor();
    const text = await preview.textContent();
    assert.match(text, /沪A22222/);
    assert.match(text, new RegExp(order.number));
    assert.match(text, new RegExp(uiText('merge.vehicles', 'zh-CN', { n: 1 })));
    await screenshot(page, 'merge-preview');
    await page.getByTestId('merge-confirm').click();
    await page.getByTestId('merge-done').waitFor();
    await page.getByTestId('vehicle-row').filter({ hasText: '沪A22222' }).waitFor();
    assert.equal(await page.getByTestId('vehicle-row').count(), 2, 'both cars are the survivor’s');
    await screenshot(page, 'merge-done');

    const { hits } = await callApi(app.url, 'search', { q: '罗磊' }, token);
    assert.deepEqual(hits.map((h) => h.customer.id), [keep.id], 'search finds one 罗磊');

    await page.goto(`${app.url}/#/customers/${dup.id}`);
    await page.getByTestId('customer-merged').waitFor();
    assert.equal(await page.getByTestId('merge-customer').count(), 0, 'a merged record cannot be merged again');
    await screenshot(page, 'merge-tombstone');
    await page.getByTestId('merged-into').click();
    await page.getByTestId('customer-no').filter({ hasText: keep.customer_no }).waitFor();
  });
});
