// The manager's KPI dashboard in the browser, on the demo data (two orders
// delivered today: one late, one on time, one reached by its follow-up call):
// the manager opens it from the top bar → the figures and a trend chart with
// its numbers → clicks the on-time number → the two orders behind it, the late
// one not counted → opens one and comes back → exports a CSV whose rows hold the
// same numbers → makes this month's report as a PDF with the on-time trend
// chart: it opens, a saved copy holds the station, the figure and its value,
// and its chart is drawn. A technician has no KPI entry, and the core refuses them the
// figures. Screens are shot in zh-CN and in English at 1280×800.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { callApi, logIn, screenshot, setLocale, staffLogin, uiText, withApp, ARTIFACTS } from './helpers.mjs';

const MANAGER = { staffName: '王经理', pin: '1111' };
const TECHNICIAN = { staffName: '张技师', pin: '3333' };

/** A CSV line split on commas (the export quotes nothing in these rows). */
const cells = (line) => line.split(',');

test('kpis: a manager sees the figures and a trend, opens the orders behind a number, exports a CSV and makes the monthly report as a PDF; a technician has no KPIs', { timeout: 120_000 }, async () => {
  await withApp(async (page, app) => {
    await callApi(app.url, 'load_demo_data');
    const mgr = await staffLogin(app.url, MANAGER.staffName, MANAGER.pin);
    const truth = await callApi(app.url, 'kpi_report', { preset: 'this_week' }, mgr.token);
    const onTime = truth.figures.find((f) => f.code === 'on_time');
    assert.deepEqual([onTime.numerator, onTime.denominator], [1, 2], 'the demo delivers one order late and one on time');

    await page.goto(app.url);
    await logIn(page, MANAGER);
    await page.getByTestId('nav-kpis').click();
    await page.getByTestId('kpis').waitFor();

    // The tiles: the on-time figure with its target, coloured by the core's verdict.
    const tile = page.getByTestId('kpi-tile-on_time');
    await tile.waitFor();
    assert.equal((await page.getByTestId('kpi-value-on_time').textContent()).trim(), '50.0%');
    assert.equal(await tile.getAttribute('data-meets'), 'false');
    assert.match(await tile.textContent(), /≥ 90\.0%/);
    assert.equal((await page.getByTestId('kpi-counts-on_time').textContent()).trim(), uiText('kpi.of', 'zh-CN', { n: 1, d: 2 }));
    assert.equal(await tile.locator('.name').getAttribute('title'), uiText('kpi.definition.on_time'), 'the definition is the tile name\'s tooltip');

    // A trend chart (SVG from ECharts), never without its numbers beside it.
    await page.getByTestId('kpi-trend-select').selectOption('on_time');
    await page.locator('[data-testid=kpi-chart] svg').waitFor();
    const trendRows = page.locator('[data-testid=kpi-trend-table] tbody tr');
    assert.equal(await trendRows.count(), truth.trend.length, 'a row per day of the week so far');
    assert.ok((await page.getByTestId('kpi-trend-table').textContent()).includes('50.0%'));
    for (const lang of ['zh-CN', 'en']) {
      await setLocale(page, lang);
      await page.getByRole('heading', { name: uiText('kpi.title', lang) }).waitFor();
      await page.locator('[data-testid=kpi-chart] svg').waitFor();
      await screenshot(page, `kpis-01-dashboard-${lang}`);
    }
    await setLocale(page, 'zh-CN');

    // The number opens the orders behind it; the late one is not in the numerator.
    await page.getByTestId('kpi-value-on_time').click();
    await page.getByTestId('kpi-drill').waitFor();
    const rows = page.getByTestId('kpi-drill-row');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    assert.deepEqual((await rows.evaluateAll((rs) => rs.map((r) => r.dataset.counted))).sort(), ['false', 'true']);
    for (const lang of ['zh-CN', 'en']) {
      await setLocale(page, lang);
      await page.getByText(uiText('kpi.drill.counted', lang), { exact: true }).waitFor();
      await screenshot(page, `kpis-02-drill-down-${lang}`);
    }
    await setLocale(page, 'zh-CN');
    const late = rows.filter({ has: page.locator('.badge:not(.accent)') });
    const number = (await late.locator('a').textContent()).trim();
    await late.locator('a').click();
    await page.getByTestId('order-status').waitFor();
    await page.getByTestId('repair-order').filter({ hasText: number }).waitFor();
    await page.goBack();
    await page.getByTestId('kpi-drill').waitFor();
    assert.equal(await page.getByTestId('kpi-drill-row').count(), 2, 'back from the order, the same records');

    // The CSV download: the period's on-time row holds the same numbers.
    const downloading = page.waitForEvent('download');
    await page.getByTestId('kpi-export-csv').click();
    const download = await downloading;
    assert.match(download.suggestedFilename(), /^kpis-SH01-\d{8}-\d{8}-\d{8}-\d{6}\.csv$/);
    const file = join(ARTIFACTS, 'kpis-export.csv');
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    assert.equal(lines[0], 'section,who,from,to,code,name,unit,value,target,gap,meets_target,numerator,denominator');
    const period = lines.map(cells).find((c) => c[0] === 'period' && c[4] === 'on_time');
    assert.deepEqual(period, ['period', '', truth.period.from, truth.period.to, 'on_time', uiText('kpi.name.on_time'), 'ratio', '0.5', '0.9', '-0.4', 'false', '1', '2']);
    const advisorRows = lines.map(cells).filter((c) => c[0] === 'advisor');
    assert.ok(advisorRows.length > 0 && advisorRows.every((c) => ['李顾问', '陈顾问'].includes(c[1])), 'rows per advisor, by name');
    assert.equal(lines.map(cells).filter((c) => c[0] === 'trend' && c[4] === 'on_time').length, truth.trend.length);
    await page.getByTestId('kpi-exported').waitFor();

    // The monthly report: last month offered first; this month chosen, with the on-time trend (the one shown).
    await page.getByTestId('kpi-monthly').click();
    await page.getByTestId('kpi-monthly-form').waitFor();
    assert.equal(await page.getByTestId('kpi-monthly-month').inputValue(), truth.last_month);
    assert.equal(await page.getByTestId('kpi-monthly-code-on_time').isChecked(), true, 'the trend shown is chosen');
    const month = truth.period.to.slice(0, 7);
    await page.getByTestId('kpi-monthly-month').fill(month);
    await page.getByTestId('kpi-monthly-code-first_time_fix').check();
    const opened = page.context().waitForEvent('page');
    await page.getByTestId('kpi-monthly-make').click();
    const tab = await opened;
    assert.match(tab.url(), /^blob:/, 'the PDF opens from the bytes the station sent');
    await tab.close();
    await page.getByTestId('kpi-monthly-done').waitFor();
    for (const lang of ['zh-CN', 'en']) {
      await setLocale(page, lang);
      await page.getByTestId('kpi-monthly-make').filter({ hasText: uiText('kpi.monthly.make', lang) }).waitFor();
      await screenshot(page, `kpis-03-monthly-report-${lang}`);
    }
    await setLocale(page, 'zh-CN');
    const saving = page.waitForEvent('download');
    await page.getByTestId('kpi-monthly-save').click();
    const saved = await saving;
    assert.match(saved.suggestedFilename(), new RegExp(`^kpi-report-SH01-${month}-zh-CN-\\d{8}-\\d{6}\\.pdf$`));
    mkdirSync(join(ARTIFACTS, 'documents'), { recursive: true });
    const pdfPath = join(ARTIFACTS, 'documents', 'e2e-kpi-monthly-report.pdf');
    await saved.saveAs(pdfPath);
    assert.equal(readFileSync(pdfPath).subarray(0, 5).toString(), '%PDF-');
    const monthly = await callApi(app.url, 'kpi_report', { month }, mgr.token);
    const pdfText = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    const station = (await callApi(app.url, 'setup_status')).station.name;
    for (const needle of [station, month, uiText('kpi.name.on_time'), uiText('kpi.name.first_time_fix')]) {
      assert.ok(pdfText.includes(needle.replace(/\s+/g, '')), `the report holds ${needle}`);
    }
    const monthOnTime = monthly.figures.find((f) => f.code === 'on_time');
    assert.ok(pdfText.includes(`${uiText('kpi.name.on_time')}${(monthOnTime.value * 100).toFixed(1)}%`), 'on time with the month\'s value, as the core computes it');
    // The pages as pictures, to look at: the chart is drawn above its days.
    execFileSync('pdftoppm', ['-r', '60', '-png', pdfPath, join(ARTIFACTS, 'kpis-04-monthly-report-pdf')]);

    // Chosen dates: today alone, the same two orders.
    await page.getByTestId('kpi-range').click();
    await page.getByTestId('kpi-from').fill(truth.period.to);
    await page.getByTestId('kpi-to').fill(truth.period.to);
    await page.getByTestId('kpi-apply').click();
    await page.getByTestId('kpi-period').filter({ hasText: uiText('kpi.period', 'zh-CN', { from: truth.period.to, to: truth.period.to, days: 1, zone: truth.time_zone }) }).waitFor();
    assert.equal((await page.getByTestId('kpi-value-on_time').textContent()).trim(), '50.0%');
    assert.equal(await page.locator('[data-testid=kpi-trend-table] tbody tr').count(), 1);

    // A technician: no KPI entry in the top bar, and the core refuses the figures.
    await page.getByTestId('logout').click();
    await logIn(page, TECHNICIAN);
    await page.getByTestId('nav-board').waitFor();
    assert.equal(await page.getByTestId('nav-kpis').count(), 0);
    await page.goto(`${app.url}/#/kpis`);
    await page.locator('[data-testid=form-error][data-code="auth.forbidden"]').waitFor();
    const tech = await staffLogin(app.url, TECHNICIAN.staffName, TECHNICIAN.pin);
    await assert.rejects(callApi(app.url, 'kpi_report', { preset: 'this_week' }, tech.token), /auth\.forbidden/);
  });
});
