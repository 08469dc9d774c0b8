// Retention and destruction through the browser, on a station clock the test
// moves (libfaketime): an order delivered in December 2026 is not due (its
// photo and a closed service request are, after two years); five years and two days later Settings → Retention lists it; a wrong PIN is
// refused beside the field and destroys nothing; the manager's PIN destroys it;
// the list is empty; the order page says when it was destroyed and verify says
// "destroyed", not "tampered"; the customer's name reads "destroyed" in each
// language (the core flags it), and the check-in photo is listed as destroyed,
// not as a broken image. Screens are shot in zh-CN and in English.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { callApi, logIn, openOrder, screenshot, setLocale, staffLogin, uiText, withCheckDigit, withClockedApp } from './helpers.mjs';

const DELIVERY = '@2026-12-08 02:00:00'; // 10:00 at the station (UTC+8)
const NOT_YET = '@2031-12-01 02:00:00'; // a week short of five years
const PAST = '@2031-12-09 02:00:00'; // five years (1,825 days) and two days after delivery
const MANAGER = { staffName: '王经理', pin: '1111' };
const CUSTOMER = '周晓明';
// A 1×1 PNG: the check-in photo the destruction deletes.
const DOT_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** A station, an advisor, and one order checked in, authorized by phone, repaired, paid and delivered, through the API. */
async function deliveredOrder(url) {
  const mgr = (await callApi(url, 'first_run_setup', { station_code: 'SH01', station_name: '测试服务站', manager_name: '王经理', manager_pin: '1111', utc_offset_minutes: 480 })).token;
  await callApi(url, 'create_staff', { name: '李顾问', role: 'advisor', pin: '2222' }, mgr);
  const adv = await staffLogin(url, '李顾问', '2222');
  const customer = await callApi(
    url,
    'create_customer',
    { name: CUSTOMER, phones: ['13912345678'], email: '', company: '', language: 'zh-CN', consent_marketing: false, consent_data: true, consent_follow_up: true, notes: '老客户' },
    adv.token,
  );
  const photo = (await callApi(url, 'upload_photo', { data: `data:image/png;base64,${DOT_PNG}` }, adv.token)).sha256;
  const vehicle = await callApi(url, 'create_vehicle', { customer_id: customer.id, fields: { plate: '沪A2E5S1', vin: withCheckDigit('LSVAU2180N2185501'), make: '大众', model: '朗逸' }, confirm: [] }, adv.token);
  const order = await callApi(
    url,
    'check_in',
    { customer_id: customer.id, vehicle_id: vehicle.id, service_type: 'repair', odometer_km: 52000, fuel_eighths: 4, damage_marks: [], photos: [{ sha256: photo, caption: '左前门划痕' }], personal_items: '儿童座椅', concerns: [{ text: '刹车异响', fault_codes: [] }], priority: 'normal', confirm: [] },
    adv.token,
  );
  const call = (op, input) => callApi(url, op, input, mgr);
  let d = await call('get_order_detail', { id: order.id });
  const v = () => d.order.version;
  d = await call('move_order', { ro_id: order.id, expected_version: v(), to: 'diagnosing', note: '' });
  d = await call('update_job', { job_id: d.jobs[0].id, expected_version: v(), concern: d.jobs[0].concern, cause: '刹车片磨损', correction: '更换前刹车片' });
  d = await call('add_line', { job_id: d.jobs[0].id, expected_version: v(), kind: 'sublet', description: '前刹车片更换（外协）', unit_price: 30_000 });
  d = await call('move_order', { ro_id: order.id, expected_version: v(), to: 'estimate_ready', note: '' });
  const amount = Math.floor((d.jobs[0].amount * 11300 + 5000) / 10000);
  d = await call('record_authorization', { ro_id: order.id, expected_version: v(), method: 'phone', approver_name: CUSTOMER, approved_job_ids: [d.jobs[0].id], amount, note: '' });
  d = await call('move_order', { ro_id: order.id, expected_version: v(), to: 'in_repair', note: '' });
  d = await call('complete_job', { job_id: d.jobs[0].id, expected_version: v(), confirm: ['job.no_time_clocked'] });
  d = await call('move_order', { ro_id: order.id, expected_version: v(), to: 'quality_check', note: '' });
  const items = (await call('list_qc_items', {})).items.filter((i) => i.active);
  d = await call('record_qc', { ro_id: order.id, expected_version: v(), passed: true, items: items.map((i) => ({ item_id: i.id, label: i.label, passed: true, note: '' })), notes: '', rework_job_ids: [] });
  d = await call('deliver', { ro_id: order.id, expected_version: v(), odometer_out_km: 52012, payments: [{ method: 'wechat', amount: d.totals.balance }] });
  assert.equal(d.order.status, 'delivered');
  assert.equal(d.authorizations.length, 2, 'the authorization and the acceptance');
  // A service request the customer made and withdrew the same day: its own two years run from closing.
  const req = await call('open_service_request', { channel: 'phone', request: '周晓明想改约', customer_id: customer.id });
  await call('service_request_step', { request_id: req.request.id, expected_version: req.request.version, step: { kind: 'close', text: '客户不来了' } });
  return { orderId: order.id, number: d.order.number, customerId: customer.id, requestId: req.request.id };
}

async function openRetention(page, url) {
  await page.goto(`${url}/#/settings/retention`);
  await page.getByTestId('retention').waitFor();
  await page.getByTestId('retention-periods').waitFor();
}

async function shootBoth(page, name, ready) {
  for (const lang of ['zh-CN', 'en']) {
    await setLocale(page, lang);
    await ready(lang);
    await screenshot(page, `destruction-${name}-${lang}`);
  }
  await setLocale(page, 'zh-CN');
}

test('destruction: due after its period, refused with a wrong PIN, done with the manager’s, verify says destroyed', { timeout: 120_000 }, async () => {
  await withClockedApp('destruction', DELIVERY, async (page, app, clock) => {
    const { orderId, number, customerId, requestId } = await deliveredOrder(app.url);

    clock.set(NOT_YET);
    await page.goto(app.url);
    await logIn(page, MANAGER);
    await openRetention(page, app.url);
    // The check-in photo is past its two years; the order is not past its five.
    await page.locator('[data-testid=retention-item][data-kind=photos]').waitFor();
    const request = page.locator('[data-testid=retention-item][data-kind=service_request]');
    assert.ok((await request.textContent()).includes(uiText('retention.kinds.service_request', 'zh-CN')), 'the closed service request, in its own words');
    assert.equal(await page.locator('[data-testid=retention-item][data-kind=repair_order]').count(), 0);
    assert.equal(await page.locator('[data-testid=retention-period][data-kind=repair_order] [data-testid=retention-days]').textContent(), uiText('retention.days', 'zh-CN', { n: 1825 }));

    // Sessions last a shift: a week later the manager logs in again.
    clock.set(PAST);
    await page.goto(app.url);
    await page.reload();
    await logIn(page, MANAGER);
    await openRetention(page, app.url);
    await page.getByTestId('retention-due').waitFor();
    const row = page.locator('[data-testid=retention-item][data-kind=repair_order]');
    assert.equal(await row.count(), 1);
    assert.ok((await row.textContent()).includes(number), 'the order is listed by its number');
    await shootBoth(page, '01-due', async (lang) => page.getByText(uiText('retention.due_title', lang)).waitFor());

    // A wrong PIN: refused beside the field, nothing destroyed.
    await page.getByTestId('retention-pin').fill('9999');
    await page.getByTestId('retention-run').click();
    await page.getByText(uiText('errors.auth.bad_pin', 'zh-CN')).waitFor();
    await screenshot(page, 'destruction-02-wrong-pin-zh-CN');
    const mgr = await staffLogin(app.url, '王经理', '1111');
    assert.equal((await callApi(app.url, 'get_customer', { id: customerId }, mgr.token)).customer.name, CUSTOMER, 'nothing was destroyed');

    // The manager's PIN: destroyed.
    await page.getByTestId('retention-pin').fill('1111');
    await page.getByTestId('retention-run').click();
    await page.getByTestId('retention-done').waitFor();
    await page.getByTestId('retention-nothing-due').waitFor();
    await shootBoth(page, '03-done', async (lang) => page.getByText(uiText('retention.nothing_due', lang)).waitFor());
    const c = await callApi(app.url, 'get_customer', { id: customerId }, mgr.token);
    assert.deepEqual([c.customer.name, c.customer.phones], ['已销毁', []]);

    // The order page: when it was destroyed, and verify says destroyed, not tampered.
    await openOrder(page, app.url, orderId);
    await page.getByTestId('order-destroyed').waitFor();
    await page.getByTestId('verify-order').click();
    const result = page.locator('[data-testid=verify-result][data-status=destroyed]');
    await result.waitFor();
    assert.ok((await result.textContent()).includes('2031'), 'with the date of the destruction');
    assert.equal(await page.locator('[data-testid=destroyed-document][data-status=destroyed]').count(), 2);
    await shootBoth(page, '04-order-verify', async (lang) => {
      await page.getByTestId('verify-order').click();
      await page.locator('[data-testid=verify-result][data-status=destroyed]').waitFor();
      assert.ok((await page.getByTestId('verify-result').textContent()).startsWith(uiText('auth.verify_destroyed', lang).split('{date}')[0]));
    });

    // The check-in photo is listed as destroyed, with its date: no image is asked for.
    const gone = page.getByTestId('photo-destroyed');
    await gone.waitFor({ state: 'attached' });
    assert.match(await gone.textContent(), /2031/);
    assert.equal(await page.locator('[data-testid=order-photo] img').count(), 0, 'no broken image');

    // The customer's name is gone: each language says so in its own words, never the stored placeholder in English.
    for (const lang of ['en', 'zh-CN']) {
      await setLocale(page, lang);
      assert.equal((await page.getByTestId('order-customer').textContent()).trim(), uiText('customer.destroyed_name', lang));
      assert.equal((await page.getByTestId('order-plate').textContent()).trim(), uiText('vehicle.destroyed', lang));
    }
    await setLocale(page, 'en');
    await page.getByTestId('order-customer').click();
    await page.getByTestId('customer-destroyed').waitFor();
    assert.equal((await page.getByTestId('customer-title').textContent()).trim(), 'Data destroyed');
    assert.match(await page.getByTestId('customer-destroyed').textContent(), /destroyed on .*2031/);
    assert.equal(await page.getByTestId('customer-name').inputValue(), 'Data destroyed');
    assert.equal(await page.getByTestId('customer-name').isDisabled(), true, 'nothing to fill in again');
    // The car went with its owner: its VIN and plate are gone, and the row says so in the reader's words.
    assert.equal((await page.getByTestId('vehicle-destroyed').textContent()).trim(), 'Data destroyed');
    assert.doesNotMatch(await page.getByTestId('customer-vehicles').textContent(), /[A-HJ-NPR-Z0-9]{17}/);
    assert.doesNotMatch(await page.locator('main').textContent(), /沪A2E5S1/, 'no plate left, in the service history either');
    assert.doesNotMatch(await page.locator('main').textContent(), /已销毁/);
    await screenshot(page, 'destruction-05-customer-en');
    // The service request destroyed with the run says so, and its words are gone.
    await page.goto(`${app.url}/#/requests/${requestId}`);
    await page.getByTestId('item-destroyed').waitFor();
    assert.match(await page.getByTestId('item-destroyed').textContent(), /destroyed on .*2031/);
    assert.doesNotMatch(await page.locator('main').textContent(), /周晓明想改约|客户不来了/);
    await screenshot(page, 'destruction-06-request-en');
    await setLocale(page, 'zh-CN');
  });
});
