// One repair order's whole life through the browser, each step by the role
// that does it: advisor checks in → technician diagnoses, adds labor and a part
// → advisor presents the estimate and records the customer's authorization →
// technician repairs (job clock, job done) and hands over to QC → QC inspector
// passes → advisor takes payment and delivers → closes after the follow-up.
// A save from a stale version shows the conflict banner, not a silent overwrite.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, inputHas, logIn, openOrder, readLevels, screenshot, staffLogin, withApp, withCheckDigit } from './helpers.mjs';

const PART_NO = 'E2E-OF-0001';
const LABOR_CODE = 'E2E-LOF';

// A 1×1 PNG standing in for the photo of the signed delivery note.
const SIGNED_PAPER = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** Demo station, plus a part in stock, a labor operation and a customer with a vehicle, through the API. */
async function prepare(url) {
  await callApi(url, 'load_demo_data');
  const { token: mgr } = await staffLogin(url, '王经理', '1111');
  const part = await callApi(url, 'save_part', { part_no: PART_NO, name: '机油滤清器', bin: 'A-01-03', unit_price: 4500, reorder_point_milli: 2000, active: true }, mgr);
  await callApi(url, 'receive_stock', { part_id: part.id, quantity_milli: 5000, note: 'e2e' }, mgr);
  await callApi(url, 'save_labor_operation', { code: LABOR_CODE, description: '更换机油及机滤', standard_hours_milli: 800, rate: 20000, active: true }, mgr);
  const customer = await callApi(url, 'create_customer', { name: '周晓明', phones: ['13912340001'], language: 'zh-CN', consent_data: true }, mgr);
  const vehicle = await callApi(url, 'create_vehicle', { customer_id: customer.id, fields: { plate: '沪E2E001', vin: withCheckDigit('LSVAU2180N2183301'), make: '大众', model: '帕萨特' }, confirm: [] }, mgr);
  return { mgr, part, customer, vehicle };
}

async function switchUser(page, name, pin) {
  await page.getByTestId('logout').click();
  await logIn(page, { staffName: name, pin });
}

async function expectStatus(page, status) {
  await page.locator(`[data-testid=repair-order][data-status="${status}"]`).waitFor();
  assert.equal(await page.getByTestId('order-status').getAttribute('data-status'), status);
}

async function boardCard(page, number) {
  await page.getByTestId('nav-board').click();
  await page.getByTestId('board').waitFor();
  const card = page.locator(`[data-testid=board-card][data-number="${number}"]`);
  await card.waitFor();
  return card.evaluate((el) => el.closest('[data-testid=board-column]').dataset.status);
}

test('a repair order from check-in to closed, through the browser, one role at a time', { timeout: 300_000 }, async () => {
  await withApp(async (page, app) => {
    try {
      await run(page, app);
    } catch (e) {
      await screenshot(page, 'lifecycle-failure').catch(() => undefined);
      throw e;
    }
  });
});

async function run(page, app) {
  {
    const { mgr, vehicle, customer } = await prepare(app.url);
    await page.reload();

    // 1. The advisor checks the vehicle in.
    await logIn(page, { staffName: '李顾问', pin: '2222' });
    await page.goto(`${app.url}/#/check-in?customer=${customer.id}&vehicle=${vehicle.id}`);
    await page.getByTestId('checkin').waitFor();
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('odometer').fill('45678');
    await readLevels(page);
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('concern-text').first().fill('保养：更换机油机滤');
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('checkin-summary').waitFor();
    await page.getByTestId('checkin-submit').click();
    await page.getByTestId('repair-order').waitFor();
    await expectStatus(page, 'checked_in');
    const number = (await page.getByTestId('order-number').textContent()).trim();
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2].split('?')[0]);
    assert.equal(await boardCard(page, number), 'checked_in');
    await screenshot(page, 'lifecycle-01-checked-in-board');

    // 2. The technician starts diagnosis from "my jobs", then writes the cause and adds labor and a part.
    await switchUser(page, '张技师', '3333');
    await page.getByTestId('nav-my-jobs').click();
    await page.getByTestId('my-jobs').waitFor();
    await page.locator(`[data-testid=to-diagnose][data-number="${number}"] [data-testid=start-diagnosis]`).click();
    await page.getByTestId('repair-order').waitFor();
    await expectStatus(page, 'diagnosing');
    const job = page.getByTestId('job').first();
    await job.getByTestId('job-edit').click();
    await job.getByTestId('job-cause').fill('机油到期，机滤堵塞');
    await job.getByTestId('job-correction').fill('更换机油及机滤');
    await job.getByTestId('job-3c-save').click();
    await job.getByTestId('job-cause-text').filter({ hasText: '机滤堵塞' }).waitFor();
    await job.getByTestId('job-add-line').click();
    await job.getByTestId('line-labor-op').selectOption(LABOR_CODE);
    await job.getByTestId('line-add').click();
    await job.locator('[data-testid=line][data-kind=labor]').waitFor();
    await job.getByTestId('job-add-line').click();
    await job.getByTestId('line-kind-part').check({ force: true });
    const partValue = await job.locator('[data-testid=line-part] option', { hasText: PART_NO }).getAttribute('value');
    await job.getByTestId('line-part').selectOption(partValue);
    await job.getByTestId('line-part-stock').waitFor();
    await job.getByTestId('line-add').click();
    await job.locator('[data-testid=line][data-kind=part]').waitFor();
    assert.equal(await job.getByTestId('line').count(), 2);
    // 0.8 h × 200.00 + 45.00 = 205.00, 13 % tax 26.65, total 231.65.
    assert.equal((await page.getByTestId('estimate-total').textContent()).trim(), '231.65');
    await screenshot(page, 'lifecycle-02-diagnosing');

    // 3. The advisor assigns the technician and presents the estimate; a stale save is refused with a banner.
    await switchUser(page, '李顾问', '2222');
    await openOrder(page, app.url, id);
    await expectStatus(page, 'diagnosing');
    const tech = (await callApi(app.url, 'setup_status')).staff.find((s) => s.name === '张技师');
    const version = Number(await page.getByTestId('repair-order').getAttribute('data-version'));
    await page.getByTestId('job').first().getByTestId('job-technician').selectOption(tech.id);
    await page.locator(`[data-testid=repair-order][data-version="${version + 1}"]`).waitFor();
    // Someone else changes the order meanwhile (a finding from another desk).
    const before = await callApi(app.url, 'get_order_detail', { id }, mgr);
    await callApi(app.url, 'add_finding', { job_id: before.jobs[0].id, expected_version: before.order.version, text: '滤芯发黑', photos: [] }, mgr);
    await page.getByTestId('move-estimate_ready').click();
    await page.getByTestId('version-conflict').waitFor();
    await screenshot(page, 'lifecycle-03-conflict');
    assert.equal((await callApi(app.url, 'get_repair_order', { id }, mgr)).status, 'diagnosing', 'the stale save changed nothing');
    await page.getByTestId('reload').click();
    await page.getByTestId('version-conflict').waitFor({ state: 'detached' });
    await page.getByTestId('job-findings').filter({ hasText: '滤芯发黑' }).waitFor();
    await page.getByTestId('move-estimate_ready').click();
    await expectStatus(page, 'estimate_ready');

    // 4. The customer authorizes by phone; the advisor records it.
    await page.getByTestId('move-approved').click();
    await page.getByTestId('auth-form').waitFor();
    // The core's quote fills the amount: the form is settled before the method is picked.
    await inputHas(page, 'auth-amount', '231.65');
    await page.getByTestId('auth-method-phone').check({ force: true });
    await page.getByTestId('auth-submit').click();
    await expectStatus(page, 'approved');
    await page.getByTestId('authorization').filter({ hasText: '周晓明' }).waitFor();
    assert.equal(await page.getByTestId('job').first().getAttribute('data-approval'), 'approved');
    assert.equal(await boardCard(page, number), 'approved');

    // 5. The technician repairs on the tablet view: start, clock on and off, job done, hand over to QC.
    await switchUser(page, '张技师', '3333');
    await page.setViewportSize({ width: 800, height: 1000 });
    await page.getByTestId('nav-my-jobs').click();
    const order = page.locator(`[data-testid=my-order][data-number="${number}"]`);
    await order.waitFor();
    await order.getByTestId('my-move-in_repair').click();
    await page.locator(`[data-testid=my-order][data-number="${number}"][data-status=in_repair]`).waitFor();
    await order.getByTestId('clock-start').click();
    await page.getByTestId('running-clock').waitFor();
    await order.locator('[data-testid=my-job][data-running=true]').waitFor();
    await page.getByTestId('running-clock-elapsed').filter({ hasText: /^0:00:0[1-9]$/ }).waitFor();
    // The reserved oil filter is issued from the tablet.
    await order.getByTestId('my-job-issue').click();
    await order.getByTestId('my-job-parts').getByText('✓').waitFor();
    await screenshot(page, 'lifecycle-04-my-jobs-clock');
    await order.getByTestId('clock-stop').click();
    await page.getByTestId('running-clock').waitFor({ state: 'detached' });
    await order.getByTestId('my-job-done').click();
    await order.locator('[data-testid=my-job][data-running=false]').getByText('✓').first().waitFor();
    await order.getByTestId('my-move-quality_check').click();
    await page.locator(`[data-testid=my-order][data-number="${number}"][data-status=quality_check]`).waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
    const inQc = await callApi(app.url, 'get_order_detail', { id }, mgr);
    assert.equal(inQc.order.status, 'quality_check');
    assert.ok(inQc.jobs[0].done_at, 'the job is done');
    assert.ok(inQc.jobs[0].clocked_seconds >= 1, 'the clocked time is kept');
    assert.equal(inQc.jobs[0].lines.find((l) => l.kind === 'part').issued_milli, 1000);
    const stock = (await callApi(app.url, 'list_parts', { q: PART_NO, low_only: false }, mgr)).parts[0];
    assert.equal(stock.on_hand_milli, 4000, 'one filter left the store');

    // 6. The QC inspector passes it.
    await switchUser(page, '赵质检', '4444');
    await page.getByTestId('nav-qc').click();
    await page.locator(`[data-testid=qc-queue-item][data-number="${number}"]`).click();
    await page.getByTestId('qc-form').waitFor();
    await page.getByTestId('qc-all-pass').click();
    await screenshot(page, 'lifecycle-05-qc');
    await page.getByTestId('qc-pass').click();
    await expectStatus(page, 'ready_for_pickup');
    assert.equal(await boardCard(page, number), 'ready_for_pickup');

    // 7. The advisor takes the payment and hands the car over, then closes after the follow-up.
    await switchUser(page, '李顾问', '2222');
    await openOrder(page, app.url, id);
    await page.getByTestId('delivery').waitFor();
    assert.equal(await page.getByTestId('override').count(), 0, 'no override for an advisor');
    await page.getByTestId('payment-method').selectOption('wechat');
    assert.equal(await page.getByTestId('payment-amount').inputValue(), '231.65');
    await page.getByTestId('payment-add').click();
    await page.getByTestId('delivery-balance').filter({ hasText: '¥0.00' }).waitFor();
    await page.getByTestId('odometer-out').fill('45690');
    await page.getByTestId('acceptance-sig-method-on_paper').check({ force: true });
    await page.getByTestId('acceptance-sig-scan').setInputFiles({ name: 'signed.png', mimeType: 'image/png', buffer: SIGNED_PAPER });
    await page.locator('[data-testid=acceptance-sig] [data-testid=photo-thumb]').waitFor();
    await page.getByTestId('deliver-submit').click();
    await expectStatus(page, 'delivered');
    await page.getByTestId('delivered-at').waitFor();
    await screenshot(page, 'lifecycle-06-delivered');
    // No close button: the follow-up call closes the order (the after-sales test drives that screen).
    assert.equal(await page.getByTestId('move-closed').count(), 0);
    const delivered = await callApi(app.url, 'get_order_detail', { id }, mgr);
    const task = await callApi(app.url, 'get_follow_up', { id: delivered.follow_up_id }, mgr);
    const survey = { overall: 5, quality: 5, timeliness: 5, attitude: 5, price: 4, comment: '客户满意' };
    await callApi(app.url, 'record_call', { follow_up_id: task.follow_up.id, expected_version: task.follow_up.version, outcome: 'reached', survey, note: '回访' }, mgr);
    await openOrder(page, app.url, id);
    await expectStatus(page, 'closed');

    // The history has every move, in order, and the audit log who changed what.
    const moves = await page.getByTestId('event').evaluateAll((els) => els.map((e) => e.dataset.to));
    assert.deepEqual(moves, ['checked_in', 'diagnosing', 'estimate_ready', 'approved', 'in_repair', 'quality_check', 'ready_for_pickup', 'delivered', 'closed']);
    assert.ok((await page.getByTestId('audit-entry').count()) > 5);
    await screenshot(page, 'lifecycle-07-closed');

    // Closed orders leave the board.
    await page.getByTestId('nav-board').click();
    await page.getByTestId('board-card').first().waitFor();
    assert.equal(await page.locator(`[data-testid=board-card][data-number="${number}"]`).count(), 0);

    const final = await callApi(app.url, 'get_order_detail', { id }, mgr);
    assert.equal(final.order.status, 'closed');
    assert.equal(final.totals.balance, 0);
    assert.equal(final.order.odometer_out_km, 45690);
    assert.equal(final.authorizations[0].method, 'phone');
  }
}
