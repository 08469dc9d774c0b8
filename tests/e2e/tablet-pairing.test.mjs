// A workshop tablet over the LAN, end to end over HTTPS: `serve --listen 0.0.0.0`
// speaks TLS with the station's own certificate, whose fingerprint the desk shows
// in Settings → Devices. A 1024×768 tablet (its browser maps the name tablet.test
// to this machine, so the station sees a LAN name, not loopback) is refused until
// it asks to pair; the manager at the desk approves the code it shows; the
// technician logs in on it and takes a job. Left idle, the tablet locks with the
// half-written cause still underneath; an advisor then checks a car in on it at
// the tablet's viewport; once removed at the desk it is refused.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, httpsCall, launchBrowser, logIn, readLevels, screenshot, setLocale, startApp, uiText, withCheckDigit } from './helpers.mjs';

const TABLET = { width: 1024, height: 768 };

test('a tablet pairs over HTTPS, works, locks when idle, checks a car in and is refused once removed', { timeout: 300_000 }, async () => {
  const app = await startApp({ listen: '0.0.0.0', args: ['--host-name', 'tablet.test'] });
  const desk = await launchBrowser({ ignoreHTTPSErrors: true });
  const tablet = await launchBrowser({ ignoreHTTPSErrors: true, viewport: TABLET, args: ['--host-resolver-rules=MAP tablet.test 127.0.0.1'] });
  const tabletUrl = `https://tablet.test:${app.port}`;
  try {
    // The connection presents the certificate whose fingerprint `serve` printed.
    assert.match(app.fingerprint ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, app.log());
    const status = await httpsCall(app.url, 'load_demo_data');
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal(status.fingerprint, app.fingerprint);
    assert.equal(status.headers['content-security-policy']?.includes("script-src 'self'"), true, 'the desktop CSP is served');
    // From the tablet's name, the API refuses everything but pairing.
    const refused = await httpsCall(app.url, 'setup_status', {}, { host: `tablet.test:${app.port}` });
    assert.deepEqual([refused.status, refused.body.code], [403, 'device.unpaired']);

    // The desk: the station PC's own browser (loopback) needs no pairing.
    const deskPage = await desk.newPage();
    deskPage.on('pageerror', (e) => console.error(`# desk page error: ${e.message}`));
    await deskPage.goto(app.url);
    await setLocale(deskPage, 'zh-CN');
    await logIn(deskPage, { staffName: '王经理', pin: '1111' });

    // The tablet opens the station and is sent to pair.
    const page = await tablet.newPage();
    page.on('pageerror', (e) => console.error(`# tablet page error: ${e.message}`));
    await page.clock.install();
    await page.goto(tabletUrl);
    await setLocale(page, 'zh-CN').catch(() => undefined);
    await page.getByTestId('pair').waitFor();
    await page.getByTestId('pair-name').fill('车间平板 1');
    await page.getByTestId('pair-ask').click();
    const codeBox = page.getByTestId('pair-code');
    await codeBox.waitFor();
    const code = await codeBox.getAttribute('data-code');
    assert.match(code, /^\d{6}$/);
    await page.getByText(uiText('pair.fingerprint')).click();
    assert.equal((await page.getByTestId('pair-fingerprint').textContent()).trim(), app.fingerprint, 'the tablet shows the fingerprint to compare');
    await screenshot(page, 'tablet-pairing-01-code-zh-CN-1024');

    // The manager sees the request and the fingerprint in Settings → Devices, and approves the code.
    await deskPage.goto(`${app.url}/#/settings/devices`);
    await deskPage.getByTestId('devices').waitFor();
    await deskPage.getByTestId('devices-waiting').filter({ hasText: '车间平板 1' }).waitFor();
    assert.equal((await deskPage.getByTestId('devices-fingerprint').textContent()).trim(), app.fingerprint);
    assert.ok(await deskPage.getByTestId('devices-qr').evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code is drawn');
    await deskPage.getByTestId('devices-code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
    await deskPage.getByTestId('devices-approve').click();
    await deskPage.getByTestId('devices-approved').waitFor();
    await deskPage.locator('[data-testid=device-row][data-name="车间平板 1"][data-status=paired]').waitFor();
    // Tablets lock after a minute without use (the shortest the core allows).
    await deskPage.getByTestId('devices-idle-minutes').fill('1');
    await deskPage.getByTestId('devices-idle-save').click();
    await deskPage.getByTestId('devices-idle').getByRole('status').waitFor();
    await screenshot(deskPage, 'tablet-pairing-02-desk-devices-zh-CN');

    // The tablet notices it is paired and offers the login; the technician works on it.
    await page.getByTestId('login').waitFor({ timeout: 10_000 });
    await logIn(page, { staffName: '张技师', pin: '3333' });
    await page.getByTestId('my-jobs').waitFor();
    const offered = page.getByTestId('open-job').filter({ hasText: '空调异味' });
    await offered.waitFor();
    const takenJob = await offered.getAttribute('data-job');
    await offered.getByTestId('take-job').click();
    await page.locator(`[data-testid=my-job][data-job="${takenJob}"]`).waitFor();
    await screenshot(page, 'tablet-pairing-03-my-jobs-zh-CN-1024');

    // Half-way through writing a cause, the tablet is left alone past the idle time.
    const card = page.getByTestId('to-diagnose').first();
    await card.getByTestId('start-diagnosis').click();
    await page.locator('[data-testid=repair-order][data-status=diagnosing]').waitFor();
    await page.getByTestId('job-edit').first().click();
    const cause = page.getByTestId('job-cause').first();
    await cause.fill('压缩机异响，待进一步检查');
    await page.clock.fastForward('01:10');
    await page.getByTestId('idle-lock').waitFor();
    // What the tablet shows: the lock over the page (a full-page shot would draw it only at the top).
    await page.screenshot({ path: join(ARTIFACTS, 'tablet-pairing-04-idle-lock-zh-CN-1024.png') });
    await page.getByTestId('lock-pin').fill('3333');
    await page.getByTestId('lock-submit').click();
    await page.getByTestId('idle-lock').waitFor({ state: 'detached' });
    assert.equal(await cause.inputValue(), '压缩机异响，待进一步检查', 'the work in progress is still there');
    await page.getByTestId('job-3c-save').first().click();
    await page.getByTestId('job-cause-text').filter({ hasText: '压缩机异响' }).waitFor();

    // An advisor checks a car in on the same tablet, at its viewport, over HTTPS.
    const staff = (await httpsCall(app.url, 'setup_status')).body.staff;
    const manager = staff.find((s) => s.role === 'manager').id;
    const deskToken = (await httpsCall(app.url, 'login', { staff_id: manager, pin: '1111' })).body.token;
    const customer = (await httpsCall(app.url, 'create_customer', { name: '孙平板', phones: ['13912340077'], language: 'zh-CN' }, { token: deskToken })).body;
    const car = { customer_id: customer.id, fields: { plate: '沪T10240', vin: withCheckDigit('LSVAU2180N2187768'), make: '大众', model: '帕萨特' }, confirm: [] };
    const vehicle = (await httpsCall(app.url, 'create_vehicle', car, { token: deskToken })).body;
    await page.getByTestId('logout').click();
    await logIn(page, { staffName: '李顾问', pin: '2222' });
    await page.goto(`${tabletUrl}/#/check-in?customer=${customer.id}&vehicle=${vehicle.id}`);
    await page.getByTestId('checkin').waitFor();
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('odometer').fill('31024');
    await readLevels(page);
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('concern-text').first().fill('刹车时方向盘抖动');
    await page.getByTestId('checkin-next').click();
    await page.getByTestId('checkin-summary').waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the check-in fits the tablet without sideways scrolling');
    await screenshot(page, 'tablet-pairing-04b-checkin-summary-zh-CN-1024');
    await page.getByTestId('checkin-submit').click();
    await page.getByTestId('repair-order').waitFor();
    assert.equal((await page.getByTestId('order-plate').textContent()).trim(), '沪T10240');
    const found = await httpsCall(app.url, 'search', { q: '沪T10240' }, { token: deskToken });
    assert.equal(found.body.hits[0]?.vehicles[0]?.plate, '沪T10240', 'the check-in reached the station');

    // The list at the desk shows when it was last used; the manager removes it.
    await deskPage.reload();
    const row = deskPage.locator('[data-testid=device-row][data-name="车间平板 1"]');
    await row.waitFor();
    assert.notEqual((await row.locator('td').nth(3).textContent()).trim(), '—', 'last use is shown');
    deskPage.once('dialog', (d) => d.accept());
    await row.getByTestId('device-revoke').click();
    await deskPage.locator('[data-testid=device-row][data-name="车间平板 1"][data-status=revoked]').waitFor();

    // At once, the tablet's next step is refused and it is back at pairing.
    await page.reload();
    await page.getByTestId('pair').waitFor();
    await page.getByText(uiText('pair.explain_revoked')).waitFor();
    await screenshot(page, 'tablet-pairing-05-revoked-zh-CN-1024');
  } catch (e) {
    console.error(app.log().slice(-3000));
    throw e;
  } finally {
    await tablet.close();
    await desk.close();
    await app.stop();
  }
});
