// A real head office (its own PostgreSQL, `headoffice serve`) and two real
// stations (`stationdesk serve`, each its own SQLite data dir, enrolled with
// its own code) that sync into it. Each station does its work through its
// HTTP API: 上海一店 (SH01) checks in and delivers two orders before their
// promised time; 杭州一店 (HZ01) checks in two, its clock moves two hours on
// (Debian's faketime) and it delivers both, one after its promised time. Then,
// in the console in Chromium, the quality manager sees the KPI comparison with
// both stations and their own figures, downloads its CSV and finds the rows
// the page shows, finds a complaint opened at HZ01 under HZ01's name, and sends
// an instruction that reaches HZ01 and not SH01. Screenshots of the comparison
// in zh-CN and en at 1280×800.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { logInToConsole, qualityManager, startHeadOffice, syncUntil, waitForSync } from './headoffice.mjs';
import { callApi, fakeClock, launchBrowser, screenshot, startApp, uiText, withCheckDigit } from './helpers.mjs';

const QM_PASSWORD = 'quality password 1';
const HOUR = 3_600_000;

/** A station in `serve` mode set up through its API (manager 王经理, UTC+8) and enrolled with a fresh code. */
async function enrolledStation(ho, code, name, env = {}) {
  const app = await startApp({ env });
  const enrollment = ho.admin('create-station', '--code', code, '--name', name).match(/enr_\S+/)[0];
  const { token } = await callApi(app.url, 'first_run_setup', { station_code: code, station_name: name, manager_name: '王经理', manager_pin: '2468', utc_offset_minutes: 480 });
  await callApi(app.url, 'enroll_station', { head_office_url: ho.url, enrollment_code: enrollment }, token);
  await waitForSync(app.url, token);
  await callApi(app.url, 'save_labor_operation', { code: 'MAINT-01', description: '常规保养', standard_hours_milli: 1000, rate: 20000, active: true }, token);
  return { app, token, code, name, call: (op, input = {}) => callApi(app.url, op, input, token) };
}

/** Checks a new customer's car in, promised for `promisedAt`; returns the order's id. */
async function checkIn(st, n, promisedAt) {
  const customer = await st.call('create_customer', { name: `客户${n}`, phones: [`1391234${String(n).padStart(4, '0')}`], language: 'zh-CN', consent_data: true });
  const vin = withCheckDigit(`LSVAU2180N218${String(3300 + n)}`);
  const vehicle = await st.call('create_vehicle', { customer_id: customer.id, fields: { plate: `沪A${String(10000 + n)}`, vin, make: '大众', model: '帕萨特' }, confirm: [] });
  const order = await st.call('check_in', {
    customer_id: customer.id,
    vehicle_id: vehicle.id,
    service_type: 'repair',
    odometer_km: 40_000 + n,
    fuel_eighths: 4,
    concerns: [{ text: '常规保养' }],
    promised_at: promisedAt.toISOString(),
    priority: 'normal',
  });
  return order.id;
}

/** Takes an order from checked in to delivered, every step by the manager, as the desk would call them. */
async function deliver(st, id) {
  let d = await st.call('get_order_detail', { id });
  const v = () => ({ ro_id: id, expected_version: d.order.version });
  d = await st.call('move_order', { ...v(), to: 'diagnosing', note: '' });
  d = await st.call('add_line', { job_id: d.jobs[0].id, expected_version: d.order.version, kind: 'labor', labor_op_code: 'MAINT-01', description: '' });
  d = await st.call('move_order', { ...v(), to: 'estimate_ready', note: '' });
  d = await st.call('record_authorization', { ...v(), method: 'in_person', approver_name: d.order.customer.name, approved_job_ids: d.jobs.map((j) => j.id), amount: d.totals.estimate.total, note: '' });
  d = await st.call('move_order', { ...v(), to: 'in_repair', note: '' });
  for (const job of d.jobs) {
    d = await st.call('update_job', { job_id: job.id, expected_version: d.order.version, concern: job.concern, cause: '检查确认', correction: '已保养' });
    d = await st.call('complete_job', { job_id: job.id, expected_version: d.order.version, confirm: ['job.no_time_clocked', 'job.parts_not_issued'] });
  }
  d = await st.call('move_order', { ...v(), to: 'quality_check', note: '' });
  const items = (await st.call('list_qc_items')).items.filter((i) => i.active);
  d = await st.call('record_qc', { ...v(), passed: true, items: items.map((i) => ({ item_id: i.id, label: i.label, passed: true, note: '' })), notes: '', rework_job_ids: [] });
  d = await st.call('deliver', { ...v(), odometer_out_km: d.order.odometer_in_km + 3, payments: [{ method: 'wechat', amount: d.totals.balance }] });
  assert.equal(d.order.status, 'delivered');
  return d;
}

/** The station's calendar day (UTC+8) `days` from `at`, as YYYY-MM-DD. */
const shanghaiDay = (at, days = 0) => new Date(at.getTime() + 8 * HOUR + days * 24 * HOUR).toISOString().slice(0, 10);

/** A CSV line split on commas: these rows hold no quoted cells (checked). */
function parseCsv(text) {
  assert.ok(!text.includes('"'), 'nothing in these rows needs quoting');
  return text.trim().split(/\r?\n/).map((l) => l.split(','));
}

describe('two real stations sync into a real head office and the console compares them', { timeout: 420_000 }, () => {
  let ho;
  let sh;
  let hz;
  let clock;
  let browser;
  let page;
  let range;
  let complaintId;

  before(async () => {
    ho = await startHeadOffice();
    await qualityManager(ho, QM_PASSWORD);
    clock = fakeClock('+0');
    sh = await enrolledStation(ho, 'SH01', '上海一店');
    hz = await enrolledStation(ho, 'HZ01', '杭州一店', clock.env);
    const now = new Date();
    range = { from: shanghaiDay(now, -1), to: shanghaiDay(now, 1) };

    // SH01: both delivered hours before the promised time.
    for (const n of [1, 2]) await deliver(sh, await checkIn(sh, n, new Date(Date.now() + 3 * HOUR)));
    // HZ01: one promised in 30 minutes, one in 4 hours; delivered two hours on.
    const late = await checkIn(hz, 3, new Date(Date.now() + 0.5 * HOUR));
    const onTime = await checkIn(hz, 4, new Date(Date.now() + 4 * HOUR));
    clock.set('+2h');
    const delivered = await deliver(hz, late);
    assert.ok(new Date(delivered.order.delivered_at) > new Date(delivered.order.promised_at), 'delivered after its promised time');
    await deliver(hz, onTime);

    for (const st of [sh, hz]) await syncUntil(st.app.url, st.token, (s) => s.pending_changes === 0);

    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
    await logInToConsole(page, ho, 'zhoumin', QM_PASSWORD);
    await page.getByTestId('nav-kpis').waitFor();
  });

  after(async () => {
    await browser?.close();
    for (const st of [sh, hz]) await st?.app.stop();
    clock?.remove();
    await ho?.stop();
  });

  /** Keeps a screenshot of the page and the stations' log ends when a test fails. */
  async function failing(name, run) {
    try {
      await run();
    } catch (e) {
      await screenshot(page, `console-two-stations-${name}-failure`).catch(() => undefined);
      for (const st of [sh, hz]) console.error(`# ${st.code}:\n${st.app.log().slice(-2000)}`);
      throw e;
    }
  }

  const compare = () => page.getByTestId('kpi-compare');
  const cellOf = (key, code) => compare().locator(`[data-testid="kpi-compare-row"][data-key="${key}"] td[data-code="${code}"]`);

  it('the KPI comparison lists both stations, each with its own figures', async () => {
    await failing('kpis', async () => {
      await page.goto(`${ho.url}/console/kpis?from=${range.from}&to=${range.to}`);
      await compare().getByTestId('kpi-compare-row').first().waitFor();
      const rows = compare().getByTestId('kpi-compare-row');
      const names = await rows.evaluateAll((els) => els.map((e) => [...e.querySelectorAll('th div')].map((d) => d.textContent.trim())));
      assert.deepEqual(names, [['HZ01', '杭州一店'], ['SH01', '上海一店'], [uiText('console.kpis.total', 'zh-CN'), uiText('console.kpis.all_stations', 'zh-CN', { n: 2 })]]);

      const [hzKey, shKey] = await rows.evaluateAll((els) => els.slice(0, 2).map((e) => e.dataset.key));
      assert.equal((await cellOf(shKey, 'on_time').textContent()).trim(), '100.0%', 'SH01 delivered both in time');
      assert.equal(await cellOf(shKey, 'on_time').getAttribute('data-meets'), 'true');
      assert.equal((await cellOf(hzKey, 'on_time').textContent()).trim(), '50.0%', 'HZ01 delivered one of two late');
      assert.equal(await cellOf(hzKey, 'on_time').getAttribute('data-meets'), 'false');
      assert.equal((await cellOf('total', 'on_time').textContent()).trim(), '75.0%');
      assert.equal(await cellOf(hzKey, 'on_time').locator('[title]').getAttribute('title'), `${uiText('kpi.name.on_time', 'zh-CN')}: ${uiText('kpi.of', 'zh-CN', { n: 1, d: 2 })}`);

      await page.getByTestId('kpi-rank-by').selectOption('on_time');
      assert.deepEqual(await page.getByTestId('kpi-rank-row').evaluateAll((els) => els.map((e) => e.dataset.key)), [shKey, hzKey], 'the on-time station ranks first');
      await page.getByTestId('kpi-rank-chart').locator('svg').waitFor();
      await screenshot(page, 'console-two-stations-kpis-zh-CN');
      await page.getByTestId('lang-en').click();
      await page.getByTestId('console-kpis').filter({ hasText: uiText('console.kpis.ranking', 'en') }).waitFor();
      await page.getByTestId('kpi-export-csv').filter({ hasText: uiText('kpi.export_csv', 'en') }).waitFor();
      await screenshot(page, 'console-two-stations-kpis-en');
    });
  });

  it('the CSV export downloads the rows the comparison shows, with the same figures', async () => {
    await failing('csv', async () => {
      const button = page.getByTestId('kpi-export-csv');
      const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
      assert.equal(download.suggestedFilename(), `kpis-station-${range.from}-${range.to}.csv`);
      const bytes = readFileSync(await download.path());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM, so Excel reads the Chinese names');
      const [head, ...body] = parseCsv(bytes.subarray(3).toString('utf8'));
      const col = (row, name) => row[head.indexOf(name)];
      assert.deepEqual(body.map((r) => [col(r, 'row'), col(r, 'code'), col(r, 'name')]), [['station', 'HZ01', '杭州一店'], ['station', 'SH01', '上海一店'], ['total', '', '']]);
      assert.deepEqual([col(body[0], 'on_time.n'), col(body[0], 'on_time.d'), col(body[0], 'on_time.target')], ['1', '2', '0.9']);
      assert.deepEqual([col(body[1], 'on_time.n'), col(body[1], 'on_time.d')], ['2', '2']);

      // Every figure the page shows as a share or as nothing counted is the file's number.
      const keys = await compare().getByTestId('kpi-compare-row').evaluateAll((els) => els.map((e) => e.dataset.key));
      const codes = await compare().locator('thead th[data-code]').evaluateAll((els) => els.map((e) => e.dataset.code));
      assert.ok(codes.length >= 10 && codes.every((c) => head.includes(c)), 'a column for every figure of the page');
      let checked = 0;
      for (const [i, key] of keys.entries()) {
        for (const code of codes) {
          const shown = (await cellOf(key, code).textContent()).trim();
          const written = col(body[i], code);
          if (shown === '—') assert.equal(written, '', `${code} of ${body[i][1] || 'total'}: nothing counted`);
          else if (shown.endsWith('%')) assert.equal(`${(Number(written) * 100).toFixed(1)}%`, shown, `${code} of ${body[i][1] || 'total'}`);
          else continue;
          checked++;
        }
      }
      assert.ok(checked >= 3 * 8, `most figures compared (${checked})`);
    });
  });

  it('a complaint opened at station HZ01 appears in the console under HZ01\'s name', async () => {
    await failing('complaint', async () => {
      const opened = await hz.call('open_complaint', { channel: 'phone', severity: 'urgent', category_id: 'svc.attitude.slow', description: '交车比承诺时间晚了一个半小时', contact_name: '客户3', contact_phone: '13912340003' });
      complaintId = opened.complaint.id;
      await syncUntil(hz.app.url, hz.token, (s) => s.pending_changes === 0);
      await page.getByTestId('lang-zh').click();
      await page.getByTestId('nav-complaints').click();
      const row = page.locator(`[data-testid="complaint-row"][data-id="${complaintId}"]`);
      await row.waitFor();
      assert.equal(await page.getByTestId('complaint-row').count(), 1, 'the one complaint of the network');
      assert.match(await row.textContent(), /HZ01 杭州一店/);
      await row.getByTestId('complaint-link').click();
      await page.getByTestId('note-form').waitFor();
      assert.match(await page.getByTestId('complaint-station').textContent(), /HZ01/);
    });
  });

  it('a head-office instruction on it reaches HZ01 and not SH01', async () => {
    await failing('note', async () => {
      assert.ok(complaintId, 'the complaint of the test before');
      await page.getByTestId('note-kind-instruction').check();
      await page.getByTestId('note-text').fill('请今天内致电客户致歉，并说明延误原因。');
      await page.getByTestId('note-submit').click();
      await page.getByTestId('console-note').first().waitFor();

      await syncUntil(hz.app.url, hz.token, async () => (await hz.call('get_complaint', { id: complaintId })).head_office_notes.length === 1);
      const note = (await hz.call('get_complaint', { id: complaintId })).head_office_notes[0];
      assert.equal(note.kind, 'instruction');
      assert.match(note.text, /致歉/);

      const before = (await callApi(sh.app.url, 'sync_status', {}, sh.token)).last_success_at;
      await syncUntil(sh.app.url, sh.token, (s) => s.last_success_at !== before);
      assert.deepEqual((await sh.call('list_complaints', { include_closed: true })).complaints, [], 'SH01 has no complaint of HZ01');
      await assert.rejects(sh.call('get_complaint', { id: complaintId }), /404|not_found/, 'nor the note on it');
    });
  });
});
