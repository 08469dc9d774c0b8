// The head-office console in Chromium against a real head office (its own
// PostgreSQL, `headoffice serve` serving ui/dist-console under /console): the
// first administrator comes from `admin create-admin`; two stations push
// delivered orders as their sync client does and a third was never enrolled.
// A wrong password shows beside the password field; the administrator logs in,
// sees the stations with their flags, puts one in a region, compares the KPIs
// and drills down to a station's orders. Screenshots at 1280×800 in zh-CN and en.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONSOLE_DIR, pushingStation, startHeadOffice } from './headoffice.mjs';
import { launchBrowser, screenshot, uiText } from './helpers.mjs';

const PASSWORD = 'console password 1';
const fieldError = (page, field) => page.locator(`[data-testid="field-error"][data-field="${field}"]`);

/** A delivered repair order's head as the station sends it; times are offsets from now in minutes. */
function order(station, id, { promisedIn, deliveredAgo = 1 }) {
  const at = (minutes) => new Date(Date.now() + minutes * 60_000).toISOString();
  return {
    entity: 'repair_order',
    id,
    payload: {
      id,
      number: `${station}-${id}`,
      status: 'delivered',
      service_type: 'repair',
      priority: 'normal',
      advisor: { id: 'a1', name: '李顾问' },
      customer: { id: 'c1', name: '王芳' },
      checked_in_at: at(-6 * 60),
      promised_at: at(promisedIn),
      delivered_at: at(-deliveredAgo),
      version: 3,
    },
  };
}

async function shoot(page, name) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.waitForTimeout(200);
  await screenshot(page, name);
}

async function inLanguage(page, lang) {
  await page.getByTestId(lang === 'en' ? 'lang-en' : lang === 'zh-TW' ? 'lang-zh-tw' : 'lang-zh').click();
}

test('an administrator made with the admin command logs in, sees the stations and compares their KPIs', { timeout: 180_000 }, async () => {
  assert.ok(existsSync(join(CONSOLE_DIR, 'index.html')), `no built console in ${CONSOLE_DIR}: run npm run build in ui/`);
  const ho = await startHeadOffice();
  const browser = await launchBrowser();
  try {
    assert.match(ho.createAdmin('admin', '总部管理员', PASSWORD), /console administrator admin created/);
    const sh = await pushingStation(ho, 'SH01', '上海一店', '0.2.0');
    await sh.push([order('SH01', 'o1', { promisedIn: 60 }), order('SH01', 'o2', { promisedIn: 60 }), order('SH01', 'o3', { promisedIn: -30 })]);
    const bj = await pushingStation(ho, 'BJ01', '北京一店', '0.1.0');
    await bj.push([order('BJ01', 'o1', { promisedIn: 60 }), order('BJ01', 'o2', { promisedIn: 120 })]);
    ho.admin('create-station', '--code', 'GZ01', '--name', '广州一店');

    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
    await page.goto(`${ho.url}/console`);
    await page.getByTestId('console-login').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN', 'the console opens in Chinese');
    await shoot(page, 'console-login-zh-CN');

    // A wrong password: the error beside the password field, in the page's language.
    await page.getByTestId('login-name').fill('admin');
    await page.getByTestId('login-password').fill('not the password');
    await page.getByTestId('login-submit').click();
    const wrong = fieldError(page, 'password');
    await wrong.waitFor();
    assert.equal(await wrong.getAttribute('data-code'), 'console.login_failed');
    assert.equal((await wrong.textContent()).trim(), uiText('console.errors.console.login_failed', 'zh-CN'));
    assert.equal(await page.locator('#console-password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByTestId('form-error').count(), 0, 'not at the top of the form');
    await inLanguage(page, 'en');
    await wrong.filter({ hasText: uiText('console.errors.console.login_failed', 'en') }).waitFor();
    await shoot(page, 'console-login-error-en');

    // The right one: the stations, each with what looks wrong.
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('console-stations').waitFor();
    assert.equal(new URL(page.url()).pathname, '/console/stations', 'the first page the role may open');
    assert.equal((await page.getByTestId('console-role').textContent()).trim(), uiText('console.roles.administrator', 'en'));
    const navs = await page.locator('[data-testid^="nav-"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.deepEqual(navs, ['nav-stations', 'nav-kpis', 'nav-complaints', 'nav-recalls', 'nav-privacy', 'nav-users', 'nav-master', 'nav-audit'], 'an administrator may open every page');
    const rows = page.getByTestId('station-row');
    await rows.first().waitFor();
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.dataset.code)), ['BJ01', 'GZ01', 'SH01']);
    const flags = async (code) => (await page.locator(`[data-testid="station-row"][data-code="${code}"]`).getAttribute('data-flags')).split(' ').filter(Boolean);
    assert.deepEqual(await flags('GZ01'), ['not_enrolled']);
    assert.deepEqual(await flags('BJ01'), ['old_version'], 'BJ01 runs 0.1.0, SH01 0.2.0');
    assert.deepEqual(await flags('SH01'), []);

    // Put SH01 in a region from the page.
    const sh01 = page.locator('[data-testid="station-row"][data-code="SH01"]');
    await sh01.getByTestId('region-edit').click();
    await sh01.getByTestId('region-input').fill('华东');
    await sh01.getByTestId('region-save').click();
    await sh01.filter({ hasText: '华东' }).getByTestId('region-edit').waitFor();
    await shoot(page, 'console-stations-en');
    await inLanguage(page, 'zh');
    await page.getByTestId('console-stations').filter({ hasText: uiText('console.flags.not_enrolled', 'zh-CN') }).waitFor();
    await shoot(page, 'console-stations-zh-CN');

    // The KPI comparison: every station, coloured by target, the total and the ranking.
    await page.getByTestId('nav-kpis').click();
    await page.getByTestId('console-kpis').waitFor();
    const compare = page.getByTestId('kpi-compare');
    await compare.waitFor();
    const names = await compare.getByTestId('kpi-compare-row').evaluateAll((els) => els.map((e) => e.querySelector('th div').textContent.trim()));
    assert.deepEqual(names, ['BJ01', 'GZ01', 'SH01', uiText('console.kpis.total', 'zh-CN')], 'a row per station by code, the total last');
    const onTime = (key) => compare.locator(`[data-testid="kpi-compare-row"][data-key="${key}"] td[data-code="on_time"]`);
    assert.equal((await onTime(sh.id).textContent()).trim(), '66.7%');
    assert.equal(await onTime(sh.id).getAttribute('data-meets'), 'false', 'two of three on time misses the 90 % target');
    assert.equal(await onTime(bj.id).getAttribute('data-meets'), 'true');
    assert.equal((await onTime('total').textContent()).trim(), '80.0%');
    assert.equal(await compare.locator('thead th[data-code="on_time"]').getAttribute('title'), uiText('kpi.definition.on_time', 'zh-CN'));

    await page.getByTestId('kpi-rank-by').selectOption('on_time');
    const ranked = await page.getByTestId('kpi-rank-row').evaluateAll((els) => els.map((e) => e.dataset.key));
    assert.deepEqual(ranked.slice(0, 2), [bj.id, sh.id], 'the best first');
    await page.getByTestId('kpi-rank-chart').locator('svg').waitFor();
    await page.getByTestId('kpi-regions').getByTestId('kpi-regions-row').first().waitFor();
    await shoot(page, 'console-kpis-zh-CN');
    // The console in Traditional Chinese: its own words and the KPI names from zh-TW.json.
    await inLanguage(page, 'zh-TW');
    await page.getByTestId('console-kpis').filter({ hasText: uiText('console.kpis.ranking', 'zh-TW') }).waitFor();
    assert.equal(await compare.locator('thead th[data-code="on_time"]').getAttribute('title'), uiText('kpi.definition.on_time', 'zh-TW'));
    await shoot(page, 'console-kpis-zh-TW');
    await inLanguage(page, 'en');
    await page.getByTestId('console-kpis').filter({ hasText: uiText('console.kpis.ranking', 'en') }).waitFor();
    await shoot(page, 'console-kpis-en');

    // From SH01's on-time figure to the orders behind it.
    await onTime(sh.id).getByTestId('kpi-value').click();
    await page.getByTestId('console-station-kpis').waitFor();
    const records = page.getByTestId('station-record');
    await records.first().waitFor();
    assert.deepEqual((await records.evaluateAll((els) => els.map((e) => e.children[1].textContent.trim()))).sort(), ['SH01-o1', 'SH01-o2', 'SH01-o3']);
    await page.getByTestId('station-trend-chart').locator('svg').waitFor();
    await shoot(page, 'console-station-kpis-en');

    // A new enrollment code for GZ01 is shown once; revoking SH01 asks first.
    await page.getByTestId('nav-stations').click();
    const gz01 = page.locator('[data-testid="station-row"][data-code="GZ01"]');
    await gz01.getByTestId('issue-code').click();
    assert.match(await page.getByTestId('issued-code-value').textContent(), /^enr_/);
    await sh01.getByTestId('revoke').click();
    await sh01.getByTestId('revoke-confirm').waitFor();
    await shoot(page, 'console-stations-code-and-revoke-en');
    await sh01.getByRole('button', { name: uiText('common.cancel', 'en') }).click();
    assert.equal(await sh01.getByTestId('revoke-confirm').count(), 0, 'nothing revoked without the confirmation');

    // A regional manager for 华东, made in the Users page; the audit shows both changes.
    await page.getByTestId('nav-users').click();
    await page.getByTestId('user-new').click();
    await page.getByTestId('user-login').fill('zhang.east');
    await page.getByTestId('user-name').fill('张区域');
    await page.getByTestId('user-role').selectOption('regional_manager');
    await page.getByTestId('user-password').fill('short');
    await page.getByTestId('user-create-submit').click();
    await page.getByTestId('user-create').locator('[data-testid="field-error"][data-field="password"][data-code="user.password_length"]').waitFor();
    await page.getByTestId('user-password').fill('east region password');
    await page.getByTestId('user-create-submit').click();
    await page.getByTestId('user-create').locator('[data-testid="field-error"][data-field="regions"][data-code="user.regions_required"]').waitFor();
    await page.getByTestId('user-regions').fill('华东');
    await page.getByTestId('user-create-submit').click();
    await page.locator('[data-testid="user-row"][data-login="zhang.east"]').waitFor();
    await shoot(page, 'console-users-en');
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-row').first().waitFor();
    const actions = await page.getByTestId('audit-row').evaluateAll((els) => els.map((e) => e.dataset.action));
    assert.deepEqual(actions.slice(0, 3), ['user.create', 'station.enrollment_code', 'station.set_region'], 'newest first');
    await shoot(page, 'console-audit-en');

    // Logging out ends the session: the page asks to log in again, also after a reload.
    await page.getByTestId('console-logout').click();
    await page.getByTestId('console-login').waitFor();
    await page.reload();
    await page.getByTestId('console-login').waitFor();

    // The regional manager sees the stations and KPIs of 华东 only.
    await page.getByTestId('login-name').fill('zhang.east');
    await page.getByTestId('login-password').fill('east region password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('console-stations').waitFor();
    const theirNav = await page.locator('[data-testid^="nav-"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.deepEqual(theirNav, ['nav-stations', 'nav-kpis', 'nav-complaints', 'nav-recalls', 'nav-privacy']);
    await page.getByTestId('station-row').first().waitFor();
    assert.deepEqual(await page.getByTestId('station-row').evaluateAll((els) => els.map((e) => e.dataset.code)), ['SH01']);
    assert.equal(await page.getByTestId('issue-code').count(), 0, 'no station management for a regional manager');
    await page.getByTestId('nav-kpis').click();
    await page.getByTestId('kpi-compare').waitFor();
    const theirs = await page.getByTestId('kpi-compare-row').evaluateAll((els) => els.map((e) => e.querySelector('th div').textContent.trim()));
    assert.deepEqual(theirs, ['SH01', uiText('console.kpis.total', 'en')]);
    await shoot(page, 'console-kpis-regional-en');

    // Their own password, from their name in the bar: a wrong current one is
    // named beside its field; the right one changes it, and it is the one that logs in.
    await page.getByTestId('console-account-link').click();
    await page.getByTestId('console-account').waitFor();
    await page.getByTestId('account-current').fill('not my password');
    await page.getByTestId('account-new').fill('a new east password');
    await page.getByTestId('account-save').click();
    await page.locator('[data-testid="field-error"][data-field="current_password"][data-code="user.password_wrong"]').waitFor();
    await shoot(page, 'console-account-wrong-password-en');
    await page.getByTestId('account-current').fill('east region password');
    await page.getByTestId('account-save').click();
    await page.getByTestId('account-password-changed').waitFor();
    await page.getByTestId('console-logout').click();
    await page.getByTestId('login-name').fill('zhang.east');
    await page.getByTestId('login-password').fill('a new east password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('console-stations').waitFor();
  } finally {
    await browser.close();
    await ho.stop();
  }
});
