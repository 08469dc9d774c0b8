// Service requests (服务申请) through the browser, on a station clock the test
// moves (libfaketime): an advisor receives a phone request from an existing
// customer's page → it is on /requests with its answer clock running → an
// internal note does not answer it → answered by a call, the clock met → the
// car is checked in (through the API) → closed linking that order, it leaves
// the list (and shows with "include closed"). A second request, from someone
// with no customer record, is refused without a name, then received; a change
// made elsewhere meanwhile shows the conflict banner; left unanswered for
// 25 hours it is overdue, in red, on the list. Screens are shot in zh-CN and
// in English.
import assert from 'node:assert/strict';


import { test } from 'node:test';
import { callApi, isRed, logIn, screenshot, setLocale, staffLogin, uiText, withCheckDigit, withClockedApp } from './helpers.mjs';

// The station's calendar is UTC+8 (so is the browser's); these are UTC instants. 2026-12-08 is a Tuesday.
const RECEIVED = '@2026-12-08 01:00:00'; // 09:00 at the station
const NEXT_DAY = '@2026-12-09 02:00:00'; // 25 h later

const ADVISOR = { staffName: '李顾问', pin: '2222' };
const CUSTOMER = '周晓明';
const PLATE = '沪A7R3Q9';
const ASKS = '下周想来做 4 万公里保养，顺便看看空调';
const WALK_UP = '陈先生';

const tr = (key, lang = 'zh-CN') => uiText(key, lang);

/** Shoots the screen in zh-CN and in English (`service-requests-NN-name-<lang>.png`) once `heading` shows; back in zh-CN after. */
async function shootBoth(page, name, heading) {
  for (const lang of ['zh-CN', 'en']) {
    await setLocale(page, lang);
    await page.getByRole('heading', { name: tr(heading, lang) }).first().waitFor();
    await screenshot(page, `service-requests-${name}-${lang}`);
  }
  await setLocale(page, 'zh-CN');
}

const rowOf = (page, id) => page.locator(`[data-testid=request-row][data-id="${id}"]`);
const requestId = (page) => page.url().split('/requests/')[1];

async function openList(page, app) {
  await page.goto(`${app.url}/#/requests`);
  await page.getByTestId('requests').waitFor();
}

/** Takes the offered step `kind` on the open request page and waits for the saved version. */
async function step(page, kind, text, fill = async () => undefined) {
  await page.getByTestId('request-status').waitFor();
  const version = Number(await page.getByTestId('request').getAttribute('data-version'));
  await page.getByTestId(`action-${kind}`).click();
  const form = page.getByTestId('request-step-form');
  await fill(form);
  await form.getByTestId('step-text').fill(text);
  await form.getByTestId('step-save').click();
  await page.locator(`[data-testid=request][data-version="${version + 1}"]`).waitFor();
  assert.equal(await page.getByTestId('request-step-form').count(), 0, 'the form closes once saved');
}

test('service requests: received, a note is not an answer, answered by a call, closed with its order; unanswered for 24 h is overdue', { timeout: 150_000 }, async () => {
  await withClockedApp('service-requests', RECEIVED, run);
});

async function run(page, app, clock) {
  const mgr = (await callApi(app.url, 'first_run_setup', { station_code: 'SH01', station_name: '测试服务站', manager_name: '王经理', manager_pin: '1111', utc_offset_minutes: 480 })).token;
  await callApi(app.url, 'create_staff', { name: ADVISOR.staffName, role: 'advisor', pin: ADVISOR.pin }, mgr);
  const adv = await staffLogin(app.url, ADVISOR.staffName, ADVISOR.pin);
  const customer = await callApi(
    app.url,
    'create_customer',
    { name: CUSTOMER, phones: ['13912345678'], email: '', company: '', language: 'zh-CN', consent_marketing: false, consent_data: true, consent_follow_up: true, notes: '' },
    adv.token,
  );
  const vehicle = await callApi(app.url, 'create_vehicle', { customer_id: customer.id, fields: { plate: PLATE, vin: withCheckDigit('LSVAU2180N2185502'), make: '大众', model: '帕萨特' }, confirm: [] }, adv.token);

  await page.goto(app.url);
  await logIn(page, ADVISOR);
  await setLocale(page, 'zh-CN');

  // The top bar names the list; in English at 1280 px it still fits (wrapping its nav row if it must).
  await page.getByTestId('nav-requests').getByText(tr('nav.requests')).waitFor();
  await setLocale(page, 'en');
  await page.getByTestId('nav-requests').getByText(tr('nav.requests', 'en')).waitFor();
  assert.ok(await page.getByTestId('topbar').evaluate((bar) => bar.scrollWidth <= bar.clientWidth + 1), 'the English top bar fits at 1280 px');
  await setLocale(page, 'zh-CN');

  // 1. The customer rings: from their page, a new service request, customer and vehicle filled in.
  await page.goto(`${app.url}/#/customers/${customer.id}`);
  await page.getByTestId('customer-open-request').click();
  await page.getByTestId('request-new').waitFor();
  await page.getByTestId('linked-customer').getByText(CUSTOMER).waitFor();
  assert.equal(await page.getByTestId('request-vehicle').inputValue(), vehicle.id);
  assert.equal(await page.getByTestId('request-channel').inputValue(), 'phone');
  // Nothing asked: refused beside the field.
  await page.getByTestId('request-save').click();
  await page.locator('.field.invalid').filter({ has: page.getByTestId('request-text') }).getByText(tr('errors.text.required')).waitFor();
  await page.getByTestId('request-text').fill(ASKS);
  await page.getByTestId('request-preferred-at').fill('2026-12-15T09:30');
  await shootBoth(page, '01-new', 'request.new_title');
  await page.getByTestId('request-save').click();
  await page.locator('[data-testid=request][data-status=open]').waitFor();
  const id = requestId(page);
  const saved = (await callApi(app.url, 'get_service_request', { id }, mgr)).request;
  assert.equal(saved.preferred_at.slice(0, 19), '2026-12-15T01:30:00', `09:30 at the station is 01:30 UTC: ${saved.preferred_at}`);
  assert.equal(saved.customer_id, customer.id);
  assert.equal(saved.owner_name, ADVISOR.staffName, 'whoever receives it owns it');
  const detailClock = page.locator('[data-testid=request] [data-testid=clock][data-clock=response]');
  assert.equal(await detailClock.getAttribute('data-state'), 'running');
  assert.match(await detailClock.textContent(), new RegExp(tr('clock.name.response')));

  // 2. On the list, oldest first: when, who (linked), plate, what, preferred time, owner, status, the running clock.
  await page.getByTestId('nav-requests').click();
  await page.getByTestId('requests').waitFor();
  const row = rowOf(page, id);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'open');
  assert.equal(await row.getByTestId('request-customer').getAttribute('href'), `#/customers/${customer.id}`);
  const text = await row.textContent();
  for (const part of [PLATE, ASKS, ADVISOR.staffName, tr('request.status_open')]) assert.ok(text.includes(part), `the row shows ${part}: ${text}`);
  const listClock = row.getByTestId('clock');
  assert.equal(await listClock.getAttribute('data-state'), 'running');
  assert.equal(await listClock.getAttribute('data-overdue'), 'false');
  assert.equal(await row.getAttribute('data-overdue'), 'false');
  await shootBoth(page, '02-list-open', 'request.title');

  // 3. An internal note is not an answer: still open, the clock still running.
  await row.getByTestId('open-request').click();
  await page.getByTestId('request').waitFor();
  await step(page, 'note', '客户希望周一上午，等配件确认后再回电');
  assert.equal(await page.getByTestId('request').getAttribute('data-status'), 'open');
  assert.equal(await detailClock.getAttribute('data-state'), 'running');
  await page.locator('[data-testid=timeline-entry][data-kind=note]').getByText(tr('request.tl_note')).waitFor();

  // 4. Answered by a call: the clock stops, met.
  await step(page, 'answer', '已电话确认下周一 9:30 到店保养', async (form) => {
    await form.getByRole('radio', { name: tr('complaint.mode_call'), exact: true }).check({ force: true });
  });
  assert.equal(await page.getByTestId('request').getAttribute('data-status'), 'answered');
  assert.equal(await detailClock.getAttribute('data-state'), 'stopped');
  assert.match(await detailClock.textContent(), new RegExp(tr('clock.met')));
  await page.locator('[data-testid=timeline-entry][data-kind=contact_call]').getByText(tr('request.tl_contact_call')).waitFor();
  assert.equal(await page.getByTestId('action-answer').count(), 0, 'answered once, no more answering');

  // 5. The car comes in (checked in through the API); closing offers a check-in link and the new order.
  const order = await callApi(
    app.url,
    'check_in',
    { customer_id: customer.id, vehicle_id: vehicle.id, service_type: 'maintenance', odometer_km: 40100, fuel_eighths: 5, damage_marks: [], photos: [], personal_items: '', concerns: [{ text: '4万公里保养，空调检查', fault_codes: [] }], priority: 'normal', confirm: [] },
    adv.token,
  );
  await page.reload();
  await page.getByTestId('request').waitFor();
  await page.getByTestId('action-close').click();
  const closeForm = page.getByTestId('request-step-form');
  assert.equal(await closeForm.getByTestId('request-check-in').getAttribute('href'), `#/check-in?customer=${customer.id}&vehicle=${vehicle.id}`);
  await closeForm.getByTestId('step-ro').selectOption(order.id);
  await shootBoth(page, '03-close', 'request.action_close');
  await closeForm.getByTestId('step-save').click();
  await page.locator('[data-testid=request][data-status=closed]').waitFor();
  assert.equal(await page.getByTestId('request-order').textContent(), order.number);
  assert.equal(await page.getByTestId('request-actions').count(), 0, 'nothing more to do on a closed request');
  const closed = (await callApi(app.url, 'get_service_request', { id }, mgr)).request;
  assert.equal(closed.ro_id, order.id);
  await shootBoth(page, '04-closed', 'request.timeline');

  // 6. Closed: off the list, back with "include closed".
  await openList(page, app);
  await page.getByTestId('requests-empty').getByText(tr('request.none')).waitFor();
  await page.getByTestId('requests-include-closed').check();
  await page.waitForURL(/closed=1/);
  await rowOf(page, id).waitFor();
  assert.equal(await rowOf(page, id).getAttribute('data-status'), 'closed');
  assert.equal(await rowOf(page, id).getByTestId('clock').getAttribute('data-state'), 'stopped');

  // 7. Someone with no customer record asks online: without a name it is refused beside the name.
  await page.getByTestId('new-request').click();
  await page.getByTestId('request-new').waitFor();
  await page.getByTestId('request-channel').selectOption('online');
  await page.getByTestId('request-text').fill('想预约喷漆，左后门有划痕');
  await page.getByTestId('request-save').click();
  await page.locator('.field.invalid').filter({ has: page.getByTestId('request-contact-name') }).getByText(tr('errors.service_request.who')).waitFor();
  await page.getByTestId('request-contact-name').fill(WALK_UP);
  await page.getByTestId('request-contact-phone').fill('13800138000');
  await page.getByTestId('request-save').click();
  await page.locator('[data-testid=request][data-status=open]').waitFor();
  const second = requestId(page);

  // To call the walk-up back, its owner shows the number written on it: masked first, whole once a reason is given.
  assert.equal(await page.getByTestId('written-contact').textContent(), '138****8000');
  await page.getByTestId('reveal-contact').click();
  await page.getByTestId('reveal-reason').selectOption('call_customer');
  await page.getByTestId('reveal-confirm').click();
  assert.equal(await page.getByTestId('written-contact-whole').textContent(), '13800138000');
  await screenshot(page, 'service-requests-06-number-shown-zh-CN');
  const register = await callApi(app.url, 'list_access_register', {}, mgr);
  assert.ok(register.entries.some((e) => e.kind === 'contact' && e.subject_id === second && e.request_contact_name === WALK_UP && e.reason === 'call_customer'), 'the showing is in the access register, naming whose request');

  // Meanwhile a manager notes it elsewhere: the advisor's note meets the conflict banner, and reload shows it.
  const read = (await callApi(app.url, 'get_service_request', { id: second }, mgr)).request;
  await callApi(app.url, 'service_request_step', { request_id: second, expected_version: read.version, step: { kind: 'note', text: '站长：优先安排' } }, mgr);
  await page.getByTestId('action-note').click();
  await page.getByTestId('request-step-form').getByTestId('step-text').fill('客户说周末也可以');
  await page.getByTestId('request-step-form').getByTestId('step-save').click();
  await page.getByTestId('version-conflict').getByText(tr('request.conflict')).waitFor();
  await page.getByTestId('reload').click();
  await page.getByTestId('version-conflict').waitFor({ state: 'detached' });
  await page.locator('[data-testid=timeline-entry][data-kind=note]').getByText('站长：优先安排').waitFor();

  // 8. 25 hours on, nobody answered it: overdue, in red, on the list (the closed one is not).
  clock.set(NEXT_DAY);
  // The advisor's 12-hour session has ended meanwhile: log in again. The top bar counts the overdue request and offers the list.
  await page.reload();
  await logIn(page, ADVISOR);
  const badge = page.getByTestId('my-deadlines');
  await badge.waitFor();
  assert.equal(await badge.getAttribute('data-overdue'), '1');
  await badge.click();
  await page.getByTestId('deadlines-requests').click();
  await page.getByTestId('requests').waitFor();
  const late = rowOf(page, second);
  await late.waitFor();
  assert.equal(await page.locator('[data-testid=request-row]').count(), 1, 'only the unanswered request is on the list');
  assert.equal(await late.getAttribute('data-overdue'), 'true');
  const lateClock = late.getByTestId('clock');
  assert.equal(await lateClock.getAttribute('data-overdue'), 'true');
  assert.ok(await isRed(lateClock), 'the overdue answer clock is red');
  assert.ok((await late.textContent()).includes(WALK_UP));
  assert.equal(await late.getByTestId('request-customer').count(), 0, 'no customer record, no link');
  await shootBoth(page, '05-list-overdue', 'request.title');
}
