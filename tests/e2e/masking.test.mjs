// Masking and access (issue 12): the desk sees phone numbers masked on the
// board, in search and on the order page; the advisor shows the whole number
// with a reason; the manager finds that in the access register; a technician
// sees the car and the concern but no contact details. In zh-CN and en.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, inputHas, logIn, screenshot, setLocale, setUpStation, tokenOf, uiText, withApp } from './helpers.mjs';

const WHOLE = '13812345678';
const MASKED = '138****5678';

async function logOut(page) {
  await page.getByTestId('logout').click();
  await page.getByTestId('login').waitFor();
}

test('the desk sees masked numbers, the advisor shows one with a reason, and the manager reads it in the access register', { timeout: 180_000 }, async () => {
  await withApp(async (page, app) => {
    await setUpStation(page, { code: 'SH01' });
    await setLocale(page, 'zh-CN');
    const manager = await tokenOf(page);
    await callApi(app.url, 'create_staff', { name: '李顾问', role: 'advisor', pin: '2222' }, manager);
    await callApi(app.url, 'create_staff', { name: '张技师', role: 'technician', pin: '3333' }, manager);
    const advisorId = (await callApi(app.url, 'setup_status')).staff.find((s) => s.name === '李顾问').id;
    const advisor = (await callApi(app.url, 'login', { staff_id: advisorId, pin: '2222' })).token;
    const c = await callApi(app.url, 'create_customer', { name: '王芳', phones: [WHOLE], email: 'wang.fang@example.com', language: 'zh-CN' }, advisor);
    const v = await callApi(app.url, 'create_vehicle', { customer_id: c.id, fields: { plate: '沪A12345', model: '朗逸' }, confirm: [] }, advisor);
    const order = await callApi(
      app.url,
      'check_in',
      { customer_id: c.id, vehicle_id: v.id, service_type: 'maintenance', odometer_km: 12000, fuel_eighths: 4, concerns: [{ text: '刹车异响', fault_codes: [] }], priority: 'normal' },
      advisor,
    );

    // The advisor at the desk: the board and the search show no whole number.
    await logOut(page);
    await logIn(page, { staffName: '李顾问', pin: '2222' });
    await page.getByTestId('board-card').first().waitFor();
    assert.ok(!(await page.locator('body').innerText()).includes(WHOLE), 'the board shows no whole number');
    await page.getByTestId('search-input').fill('王芳');
    const hit = page.getByTestId('search-hit').first();
    await hit.waitFor();
    assert.ok((await hit.innerText()).includes(MASKED), 'the search result shows the number masked');
    assert.ok(!(await page.locator('body').innerText()).includes(WHOLE), 'and never whole');
    await screenshot(page, 'masking-search-zh');
    await page.keyboard.press('Escape');

    // The order page: masked, and "show whole number" asks why.
    await page.goto(`${app.url}/#/orders/${order.id}`);
    const phones = page.getByTestId('contact-phones');
    await phones.waitFor();
    assert.equal((await phones.innerText()).trim(), MASKED);
    await page.getByTestId('reveal-contact').click();
    assert.equal(await page.getByTestId('reveal-confirm').isDisabled(), true, 'no reason, no number');
    await page.getByTestId('reveal-reason').selectOption('call_customer');
    await screenshot(page, 'masking-reveal-reason-zh');
    await page.getByTestId('reveal-confirm').click();
    const whole = page.getByTestId('contact-phones-whole');
    await whole.waitFor();
    assert.equal((await whole.innerText()).trim(), WHOLE);
    await screenshot(page, 'masking-revealed-zh');

    // The customer's page: the form shows the number masked; saving a new name keeps it.
    await page.goto(`${app.url}/#/customers/${c.id}`);
    await page.getByTestId('customer-form').waitFor();
    await inputHas(page, 'customer-phone', MASKED);
    await page.getByTestId('customer-name').fill('王芳芳');
    await page.getByTestId('customer-save').click();
    await page.getByRole('status').filter({ hasText: uiText('common.saved', 'zh-CN') }).waitFor();
    const kept = await callApi(app.url, 'reveal_contact', { customer_id: c.id, reason: 'correct_record' }, advisor);
    assert.deepEqual(kept.phones, [WHOLE], 'saving the masked form kept the number');
    // To correct the number, the advisor shows it first (logged), then edits it whole.
    await page.getByTestId('reveal-contact').click();
    await page.getByTestId('reveal-reason').selectOption('correct_record');
    await page.getByTestId('reveal-confirm').click();
    await page.getByTestId('contact-shown').waitFor();
    await inputHas(page, 'customer-phone', WHOLE);
    await screenshot(page, 'masking-customer-revealed-zh');

    // A technician sees the car and the concern, and no contact details.
    await logOut(page);
    await logIn(page, { staffName: '张技师', pin: '3333' });
    await page.goto(`${app.url}/#/orders/${order.id}`);
    await page.getByTestId('contact-hidden').waitFor();
    assert.equal((await page.getByTestId('contact-hidden').innerText()).trim(), uiText('privacy.contact_hidden', 'zh-CN'));
    assert.equal((await page.getByTestId('order-plate').innerText()).trim(), '沪A12345');
    const text = await page.locator('body').innerText();
    assert.ok(!text.includes(WHOLE) && !text.includes(MASKED), 'no number at all for the technician');
    assert.equal(await page.getByTestId('reveal-contact').count(), 0);

    // The manager: Settings → access register, filtered to the customer from her page.
    await logOut(page);
    await logIn(page, { staffName: '王经理', pin: '2468' });
    await page.goto(`${app.url}/#/customers/${c.id}`);
    await page.getByTestId('customer-access-register').click();
    await page.getByTestId('access-register').waitFor();
    await page.getByTestId('register-customer').waitFor();
    // Three showings: on the order page to call her, and twice to correct her record.
    const showings = page.locator('[data-testid=register-row][data-kind=contact]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=register-row][data-kind=contact]').length === 3);
    const contactRow = showings.last();
    const row = await contactRow.innerText();
    assert.ok(row.includes('李顾问'), row);
    assert.equal((await contactRow.getByTestId('register-reason').innerText()).trim(), uiText('privacy.reasons.call_customer', 'zh-CN'));
    assert.ok((await page.locator('[data-testid=register-row][data-kind=order]').count()) >= 2, "the advisor's and the technician's openings of the order");
    await screenshot(page, 'masking-register-zh');

    // Filtered by the technician: only theirs.
    await page.getByTestId('register-staff').selectOption({ label: '张技师' });
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=register-row]')].every((r) => r.textContent.includes('张技师')));
    await setLocale(page, 'en');
    await page.getByTestId('register-staff').selectOption('');
    await contactRow.waitFor();
    assert.equal((await contactRow.getByTestId('register-reason').innerText()).trim(), uiText('privacy.reasons.call_customer', 'en'));
    await screenshot(page, 'masking-register-en');

    // In English the order page says the same.
    await page.goto(`${app.url}/#/orders/${order.id}`);
    await page.getByTestId('contact-phones').waitFor();
    assert.equal((await page.getByTestId('contact-phones').innerText()).trim(), MASKED);
    assert.equal((await page.getByTestId('reveal-contact').innerText()).trim(), uiText('privacy.reveal', 'en'));
    await screenshot(page, 'masking-order-en');
  });
});
