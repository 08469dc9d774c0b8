// After-sales through the browser, on a station clock the test moves
// (libfaketime): an order is delivered → its follow-up call is due on the
// advisor's call list → no answer, so it comes back as a retry → three hours
// later the customer is reached and scores the visit 2 of 5, which opens a
// complaint and closes the order → the call was the complaint's first response
// → 73 hours on the resolution clock is overdue (red) on the complaint, in the
// ledger's overdue filter and in the top bar → findings, resolved by phone and
// accepted → the callback clock starts → the callback reaches the customer and
// the complaint is closed. Key screens are shot in zh-CN and in English.
//
// The browser's own clock is real: every countdown on screen is the core's
// reading at the (fake) station time.
import assert from 'node:assert/strict';


import { test } from 'node:test';
import { callApi, isRed, logIn, openOrder, screenshot, setLocale, staffLogin, uiText, withCheckDigit, withClockedApp } from './helpers.mjs';

// The station's calendar is UTC+8; these are UTC instants. 2026-12-08 is a Tuesday.
const DELIVERY = '@2026-12-08 02:00:00'; // 10:00 at the station
const SECOND_CALL = '@2026-12-08 05:00:00'; // 13:00, three hours later (the retry was due at 12:00)
const PAST_72H = '@2026-12-11 06:00:00'; // 73 h after the complaint was received

const ADVISOR = { staffName: '李顾问', pin: '2222' };
const CUSTOMER = '周晓明';
const PLATE = '沪A2E5S1';

// The UI's own words, in the language on screen now (or `lang`).
let locale = 'zh-CN';
const tr = (key, params = {}, lang = locale) => uiText(key, lang, params);

// A 1×1 PNG standing in for the photo of the signed delivery note.
const SIGNED_PAPER = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/**
 * A fresh station (no demo data: its complaints would be in the counts), its
 * staff, and one order checked in by the advisor and driven to ready for
 * pickup, paid, through the API.
 */
async function prepare(url) {
  const mgr = (await callApi(url, 'first_run_setup', { station_code: 'SH01', station_name: '测试服务站', manager_name: '王经理', manager_pin: '1111', utc_offset_minutes: 480 })).token;
  await callApi(url, 'create_staff', { name: '李顾问', role: 'advisor', pin: '2222' }, mgr);
  await callApi(url, 'create_staff', { name: '张技师', role: 'technician', pin: '3333' }, mgr);
  const adv = await staffLogin(url, '李顾问', '2222');
  const tech = await staffLogin(url, '张技师', '3333');
  const customer = await callApi(
    url,
    'create_customer',
    { name: CUSTOMER, phones: ['13912345678'], email: '', company: '', language: 'zh-CN', consent_marketing: false, consent_data: true, consent_follow_up: true, notes: '' },
    adv.token,
  );
  const vehicle = await callApi(url, 'create_vehicle', { customer_id: customer.id, fields: { plate: PLATE, vin: withCheckDigit('LSVAU2180N2185501'), make: '大众', model: '朗逸' }, confirm: [] }, adv.token);
  const order = await callApi(
    url,
    'check_in',
    { customer_id: customer.id, vehicle_id: vehicle.id, service_type: 'repair', odometer_km: 52000, fuel_eighths: 4, damage_marks: [], photos: [], personal_items: '', concerns: [{ text: '刹车异响', fault_codes: [] }], priority: 'normal', confirm: [] },
    adv.token,
  );
  const call = (op, input, token = mgr) => callApi(url, op, input, token);
  let d = await call('get_order_detail', { id: order.id });
  const v = () => d.order.version;
  d = await call('move_order', { ro_id: order.id, expected_version: v(), to: 'diagnosing', note: '' });
  d = await call('assign_technician', { job_id: d.jobs[0].id, expected_version: v(), technician_id: tech.id });
  d = await call('update_job', { job_id: d.jobs[0].id, expected_version: v(), concern: d.jobs[0].concern, cause: '刹车片磨损', correction: '更换前刹车片' });
  d = await call('add_line', { job_id: d.jobs[0].id, expected_version: v(), kind: 'sublet', description: '前刹车片更换（外协）', unit_price: 30_000 });
  d = await call('move_order', { ro_id: order.id, expected_version: v(), to: 'estimate_ready', note: '' });
  const amount = Math.floor((d.jobs[0].amount * 11300 + 5000) / 10000);
  d = await call('record_authorization', { ro_id: order.id, expected_version: v(), method: 'phone', approver_name: CUSTOMER, approved_job_ids: [d.jobs[0].id], amount, note: '' });
  d = await call('move_order', { ro_id: order.id, expected_version: v(), to: 'in_repair', note: '' });
  d = await call('complete_job', { job_id: d.jobs[0].id, expected_version: v(), confirm: ['job.no_time_clocked'] }, tech.token);
  d = await call('move_order', { ro_id: order.id, expected_version: v(), to: 'quality_check', note: '' });
  const items = (await call('list_qc_items', {})).items.filter((i) => i.active);
  d = await call('record_qc', { ro_id: order.id, expected_version: v(), passed: true, items: items.map((i) => ({ item_id: i.id, label: i.label, passed: true, note: '' })), notes: '', rework_job_ids: [] });
  d = await call('record_payment', { ro_id: order.id, expected_version: v(), payment: { method: 'wechat', amount: d.totals.balance } });
  assert.equal(d.order.status, 'ready_for_pickup');
  assert.equal(d.totals.balance, 0);
  return { mgr, orderId: order.id, number: d.order.number };
}

async function showIn(page, lang) {
  await setLocale(page, lang);
  locale = lang;
}

/**
 * Shoots the screen in zh-CN and in English (`aftersales-NN-name-<lang>.png`),
 * checking first that `ready(lang)` shows in that language; back in zh-CN after.
 */
async function shootBoth(page, name, ready) {
  for (const lang of ['zh-CN', 'en']) {
    await showIn(page, lang);
    await ready(lang);
    await screenshot(page, `aftersales-${name}-${lang}`);
  }
  await showIn(page, 'zh-CN');
}

/** `key`'s text as a RegExp, its `{param}` matching anything. */
function trPattern(key, param) {
  const [before, after] = tr(key).split(`{${param}}`).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`${before}.+${after ?? ''}`);
}

/** Waits until `locator` shows `text` (exactly, trimmed). */
async function expectText(locator, text) {
  await locator.filter({ hasText: text }).first().waitFor();
  assert.equal((await locator.first().textContent()).trim(), text);
}

/** A link of the top bar's navigation. */
const navLink = (page, key) => page.getByRole('navigation').getByRole('link', { name: tr(key), exact: true });

const clockChip = (scope, name) => scope.locator(`[data-testid=clock][data-clock=${name}]`);

test('after-sales: the follow-up call, a complaint it opens, its clocks on a moved station clock, to closed', { timeout: 120_000 }, async () => {
  await withClockedApp('aftersales', DELIVERY, run);
});

async function run(page, app, clock) {
  const { mgr, orderId, number } = await prepare(app.url);
  await page.goto(app.url);
  await logIn(page, ADVISOR);

  // 1. The advisor hands the car over (paid already): the order is delivered.
  await openOrder(page, app.url, orderId);
  await page.getByTestId('deliver-form').waitFor();
  await page.getByTestId('odometer-out').fill('52012');
  await page.getByTestId('acceptance-sig-method-on_paper').check({ force: true });
  await page.getByTestId('acceptance-sig-scan').setInputFiles({ name: 'signed.png', mimeType: 'image/png', buffer: SIGNED_PAPER });
  await page.locator('[data-testid=acceptance-sig] [data-testid=photo-thumb]').waitFor();
  await page.getByTestId('deliver-submit').click();
  await page.locator('[data-testid=repair-order][data-status=delivered]').waitFor();
  const delivered = await callApi(app.url, 'get_repair_order', { id: orderId }, mgr);
  assert.equal(delivered.status, 'delivered');
  assert.ok(delivered.delivered_at.startsWith('2026-12-08T02:0'), `delivered at the station's (fake) time: ${delivered.delivered_at}`);

  // 2. The follow-up is on the advisor's call list, due today.
  await navLink(page, 'nav.follow_ups').click();
  await page.getByTestId('follow-ups').waitFor();
  const row = page.locator('[data-testid=call-row]').filter({ hasText: CUSTOMER });
  await row.waitFor();
  assert.equal(await page.locator('[data-testid=call-row]').count(), 1);
  assert.equal(await row.getAttribute('data-section'), 'due');
  await page.locator('[data-testid=call-section][data-section=due]').getByText(tr('followup.section.due')).waitFor();
  assert.match(await row.textContent(), new RegExp(PLATE));
  assert.match(await row.textContent(), new RegExp(number));
  await shootBoth(page, '01-call-list-due', async () => {
    await page.getByRole('heading', { name: tr('followup.title') }).waitFor();
    await page.getByText(tr('followup.section.due')).first().waitFor();
  });

  // 3. First call: no answer. It stays open as a retry, on today's list again two hours later.
  await row.getByRole('link', { name: tr('followup.call') }).click();
  await page.getByTestId('follow-up').waitFor();
  await expectText(page.getByTestId('follow-up-status'), tr('followup.status_due'));
  const callForm = page.getByTestId('call-form');
  await callForm.getByRole('radio', { name: tr('followup.outcome_no_answer'), exact: true }).check({ force: true });
  await callForm.getByLabel(tr('followup.note'), { exact: true }).fill('无人接听');
  await callForm.getByRole('button', { name: tr('followup.save_call') }).click();
  await expectText(page.getByTestId('follow-up-status'), tr('followup.status_retry'));
  await page.getByTestId('timeline-entry').filter({ hasText: tr('followup.outcome_no_answer') }).filter({ hasText: '无人接听' }).waitFor();
  await shootBoth(page, '02-follow-up-retry', async () => {
    await expectText(page.getByTestId('follow-up-status'), tr('followup.status_retry'));
  });
  await page.getByRole('link', { name: tr('followup.back') }).click();
  await page.getByTestId('follow-ups').waitFor();
  await page.locator('[data-testid=call-row][data-section=retry]').filter({ hasText: CUSTOMER }).waitFor();
  await page.locator('[data-testid=call-section][data-section=retry]').getByText(tr('followup.section.retry')).waitFor();

  // 4. Three hours later the customer answers: overall 2 of 5, so the complaint's fields are asked for.
  clock.set(SECOND_CALL);
  await page.reload();
  await page.getByTestId('follow-ups').waitFor();
  await page.locator('[data-testid=call-row][data-section=retry]').filter({ hasText: CUSTOMER }).getByRole('link', { name: tr('followup.call') }).click();
  await page.getByTestId('follow-up').waitFor();
  await callForm.getByRole('radio', { name: tr('followup.outcome_reached'), exact: true }).check({ force: true });
  const scores = { overall: 2, quality: 2, timeliness: 4, attitude: 3, price: 3 };
  for (const [name, n] of Object.entries(scores)) {
    await callForm.getByRole('radiogroup', { name: tr(`survey.${name}`), exact: true }).getByRole('radio', { name: String(n), exact: true }).check({ force: true });
  }
  await callForm.getByLabel(tr('survey.comment'), { exact: true }).fill('刹车还是有异响');
  const complaintFields = callForm.getByTestId('call-complaint');
  await complaintFields.waitFor();
  await complaintFields.getByText(tr('followup.low_score_hint')).waitFor();
  await complaintFields.getByLabel(tr('complaint.description')).fill('换了刹车片，三天后刹车又响，客户不满意');
  await complaintFields.getByLabel(tr('complaint.category_level', { n: 1 }), { exact: true }).selectOption({ label: '质量' });
  await complaintFields.getByLabel(tr('complaint.category_level', { n: 2 }), { exact: true }).selectOption({ label: '维修质量' });
  await complaintFields.getByLabel(tr('complaint.category_level', { n: 3 }), { exact: true }).selectOption({ label: '同一故障返修' });
  await complaintFields.getByLabel(tr('complaint.severity')).selectOption({ label: tr('complaint.severity_urgent') });
  await screenshot(page, 'aftersales-03-call-low-score-zh-CN');
  await callForm.getByRole('button', { name: tr('followup.save_call') }).click();

  // 5. A complaint opens (the link shows), the follow-up is reached, the order closes.
  const opened = page.getByTestId('complaint-opened');
  await opened.waitFor();
  await expectText(page.getByTestId('follow-up-status'), tr('followup.status_reached'));
  await page.getByTestId('survey-result').waitFor();
  await shootBoth(page, '04-complaint-opened', async () => {
    await opened.getByRole('link', { name: tr('followup.open_complaint') }).waitFor();
  });
  const order = await callApi(app.url, 'get_repair_order', { id: orderId }, mgr);
  assert.equal(order.status, 'closed', 'the follow-up closed the order');

  // 6. On the complaint: open, urgent, the call was its first response (met); resolution runs.
  await opened.getByRole('link', { name: tr('followup.open_complaint') }).click();
  const complaint = page.getByTestId('complaint');
  await complaint.waitFor();
  const complaintUrl = page.url();
  const complaintNumber = (await page.getByTestId('complaint-number').textContent()).trim();
  assert.match(complaintNumber, /^SH01-TS-20261208-\d{3}$/, 'numbered on the station day of the (fake) clock');
  await expectText(page.getByTestId('complaint-severity'), tr('complaint.severity_urgent'));
  await page.getByTestId('complaint-category').getByText('质量 › 维修质量 › 同一故障返修').waitFor();
  await expectText(page.getByTestId('complaint-owner'), '李顾问');
  const firstResponse = clockChip(complaint, 'first_response');
  await firstResponse.waitFor();
  assert.equal(await firstResponse.getAttribute('data-state'), 'stopped');
  await firstResponse.getByText(tr('clock.met')).waitFor();
  const resolution = clockChip(complaint, 'resolution');
  assert.equal(await resolution.getAttribute('data-state'), 'running');
  assert.equal(await resolution.getAttribute('data-overdue'), 'false');
  await shootBoth(page, '05-complaint-first-response-met', async () => {
    await clockChip(complaint, 'first_response').getByText(tr('clock.met')).waitFor();
    await page.getByText(tr(`complaint.status_${await complaint.getAttribute('data-status')}`)).first().waitFor();
  });

  // The call list has nothing left to call.
  await navLink(page, 'nav.follow_ups').click();
  await page.getByTestId('follow-ups-empty').getByText(tr('followup.none_due')).waitFor();
  await page.goto(complaintUrl);
  await complaint.waitFor();

  // 7. Past 72 hours: the resolution clock is overdue, in red, here, in the ledger and in the top bar.
  clock.set(PAST_72H);
  // The advisor's 12-hour session has ended meanwhile: log in again.
  await page.reload();
  await logIn(page, ADVISOR);
  const badge = page.getByTestId('my-deadlines');
  await badge.waitFor();
  assert.equal(await badge.getAttribute('data-overdue'), '1');
  assert.match(await badge.textContent(), new RegExp(tr('deadlines.overdue', { n: 1 })));
  assert.ok(await isRed(badge), 'the top bar shows overdue in red');

  await page.goto(complaintUrl);
  await complaint.waitFor();
  await resolution.waitFor();
  assert.equal(await resolution.getAttribute('data-overdue'), 'true');
  assert.match(await resolution.textContent(), trPattern('clock.overdue', 'd'));
  assert.ok(await isRed(resolution), 'the overdue resolution clock is red');
  await shootBoth(page, '06-complaint-overdue', async () => {
    await resolution.getByText(tr('clock.name.resolution')).waitFor();
  });

  await navLink(page, 'nav.complaints').click();
  await page.getByTestId('complaints').waitFor();
  await page.getByRole('checkbox', { name: tr('complaint.overdue_only') }).check();
  await page.waitForURL(/overdue=1/);
  const ledgerRow = page.locator('[data-testid=complaint-row]').filter({ hasText: complaintNumber });
  await ledgerRow.waitFor();
  assert.equal(await page.locator('[data-testid=complaint-row]').count(), 1, 'one overdue complaint in the ledger');
  assert.equal(await ledgerRow.getAttribute('data-overdue'), 'true');
  assert.equal(await clockChip(ledgerRow, 'resolution').getAttribute('data-overdue'), 'true');
  assert.ok(await isRed(clockChip(ledgerRow, 'resolution')));
  await shootBoth(page, '07-ledger-overdue', async () => {
    await page.getByText(tr('complaint.overdue_only')).waitFor();
    await ledgerRow.getByText(tr('clock.name.resolution')).waitFor();
  });

  // 8. Findings, then resolved by a call the customer accepts: the callback clock starts.
  await ledgerRow.getByRole('link', { name: complaintNumber }).click();
  await complaint.waitFor();
  const actions = page.getByTestId('complaint-actions');
  const stepForm = page.getByTestId('step-form');
  await actions.getByRole('button', { name: tr('complaint.action_findings') }).click();
  await stepForm.getByLabel(tr('complaint.cause')).fill('刹车片与刹车盘未磨合，盘面有沟槽');
  await stepForm.getByLabel(tr('complaint.corrective_action')).fill('光盘并重新装配，技师复查');
  await stepForm.getByLabel(tr('complaint.solution')).fill('免费光盘，赠送一次保养');
  await stepForm.getByRole('button', { name: tr('complaint.action_findings') }).click();
  await stepForm.waitFor({ state: 'detached' });
  await page.getByTestId('complaint-findings').getByText('免费光盘，赠送一次保养').waitFor();

  await actions.getByRole('button', { name: tr('complaint.action_resolve') }).click();
  await stepForm.getByRole('radio', { name: tr('complaint.mode_call'), exact: true }).check({ force: true });
  await stepForm.getByRole('radio', { name: tr('complaint.answer_accepted'), exact: true }).check({ force: true });
  await stepForm.getByLabel(tr('complaint.told_text')).fill('已电话告知处理方案，客户接受');
  await stepForm.getByRole('button', { name: tr('complaint.action_resolve') }).click();
  await page.locator('[data-testid=complaint][data-status=resolved]').waitFor();
  await expectText(page.getByTestId('complaint-status'), tr('complaint.status_resolved'));
  await expectText(page.getByTestId('customer-answer'), tr('complaint.answer_accepted'));
  const callback = clockChip(complaint, 'callback');
  await callback.waitFor();
  assert.equal(await callback.getAttribute('data-state'), 'running');
  assert.equal(await callback.getAttribute('data-overdue'), 'false');
  // The resolution clock stopped, late: it stays breached.
  assert.equal(await resolution.getAttribute('data-state'), 'stopped');
  await resolution.getByText(tr('clock.breached')).waitFor();
  await shootBoth(page, '08-complaint-resolved-callback', async () => {
    await clockChip(complaint, 'callback').getByText(tr('clock.name.callback')).waitFor();
  });

  // 9. The callback reaches the customer: closed.
  await actions.getByRole('button', { name: tr('complaint.action_callback') }).click();
  await stepForm.getByRole('radio', { name: tr('common.yes'), exact: true }).check({ force: true });
  await stepForm.getByLabel(tr('complaint.what_was_said')).fill('回访确认刹车已无异响');
  await stepForm.getByRole('button', { name: tr('complaint.action_callback') }).click();
  await page.locator('[data-testid=complaint][data-status=closed]').waitFor();
  await expectText(page.getByTestId('complaint-status'), tr('complaint.status_closed'));
  assert.equal(await callback.getAttribute('data-state'), 'stopped');
  await callback.getByText(tr('clock.met')).waitFor();
  await shootBoth(page, '09-complaint-closed', async () => {
    await expectText(page.getByTestId('complaint-status'), tr('complaint.status_closed'));
  });

  // Nothing overdue is left for the advisor, and the ledger's overdue filter is empty.
  await page.goto(`${app.url}/#/complaints?overdue=1`);
  await page.getByTestId('complaints-empty').waitFor();
  await page.getByTestId('my-deadlines').waitFor({ state: 'detached' });
}
