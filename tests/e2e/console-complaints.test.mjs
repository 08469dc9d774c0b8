// Complaints across stations in the head-office console, against a real head
// office and a real station: a complaint opened at the station goes up with
// its sync and appears in the quality manager's list beside another station's
// overdue one (overdue first); the quality manager opens it, is told beside
// the text that an empty note is not sent, sends an instruction, and the
// station's complaint page shows it after its next sync. Screenshots of the
// list and the complaint page in zh-CN and en at 1280×800.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logInToConsole, pushingStation, qualityManager, setUpWithHeadOffice, startHeadOffice, syncUntil, waitForSync } from './headoffice.mjs';
import { callApi, screenshot, setLocale, tokenOf, uiText, withApp } from './helpers.mjs';

/** Another station's complaint, its resolution clock overdue by three hours. */
async function overdueElsewhere(ho) {
  const bj = await pushingStation(ho, 'BJ01', '北京一店');
  const at = (h) => new Date(Date.now() + h * 3_600_000).toISOString();
  await bj.push([
    {
      entity: 'complaint',
      id: 'bj-1',
      payload: {
        id: 'bj-1', number: 'BJ01-TS-20261201-001', status: 'in_progress', severity: 'normal', channel: 'phone', category_id: 'qual.repair.repeat',
        category_path: [{ id: 'qual', name_zh: '质量', name_en: 'Quality' }, { id: 'qual.repair', name_zh: '维修质量', name_en: 'Repair quality' }, { id: 'qual.repair.repeat', name_zh: '同一故障返修', name_en: 'Same fault came back' }],
        description: '同一异响第三次返修', contact_name: '赵强', contact_phone: '13900001111', received_by: 's1', owner_id: 's1', received_at: at(-75), version: 1,
      },
    },
    {
      entity: 'item_clock',
      id: 'bj-1-resolution',
      payload: { id: 'bj-1-resolution', item_kind: 'complaint', item_id: 'bj-1', clock: 'resolution', policy_kind: 'complaint_resolution', state: 'running', late_at: at(-3), started_at: at(-75) },
    },
  ]);
}

test('a complaint opened at a station is in the console list, and the quality manager\'s instruction reaches the station', { timeout: 240_000 }, async () => {
  const ho = await startHeadOffice();
  try {
    await qualityManager(ho);
    await overdueElsewhere(ho);
    await withApp(async (page, app) => {
      const console_ = await page.context().newPage();
      console_.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
      try {
        await setUpWithHeadOffice(page, ho);
        const token = await tokenOf(page);
        await waitForSync(app.url, token);
        const opened = await callApi(
          app.url,
          'open_complaint',
          { channel: 'phone', severity: 'urgent', category_id: 'svc.attitude.slow', description: '周六上午到店等了40分钟无人接待', contact_name: '王芳', contact_phone: '13812345678' },
          token,
        );
        const id = opened.complaint.id;
        await syncUntil(app.url, token, (s) => s.pending_changes === 0);

        await logInToConsole(console_, ho, 'zhoumin', 'quality password 1');
        await console_.getByTestId('nav-complaints').click();
        const rows = console_.getByTestId('complaint-row');
        await rows.nth(1).waitFor();
        assert.equal(await rows.count(), 2);
        assert.equal(await rows.nth(0).getAttribute('data-id'), 'bj-1', 'the overdue one first');
        assert.equal(await rows.nth(0).getAttribute('data-overdue'), 'true');
        assert.equal((await rows.nth(0).getByTestId('overdue-badge').textContent()).trim(), uiText('console.complaints.overdue', 'zh-CN'));
        assert.equal(await rows.nth(1).getAttribute('data-id'), id);
        assert.match(await rows.nth(1).textContent(), /SH01/);
        await screenshot(console_, 'console-complaints-zh-CN');
        await console_.getByTestId('lang-en').click();
        await console_.locator('h1', { hasText: uiText('console.complaints.title', 'en') }).waitFor();
        await screenshot(console_, 'console-complaints-en');
        await console_.getByTestId('lang-zh').click();

        await rows.nth(1).getByTestId('complaint-link').click();
        await console_.getByTestId('note-form').waitFor();
        assert.match(await console_.getByTestId('complaint-station').textContent(), /SH01/);
        await console_.getByTestId('note-submit').click();
        const err = console_.locator('[data-testid="field-error"][data-field="text"]');
        await err.waitFor();
        assert.equal(await err.getAttribute('data-code'), 'text.required');
        assert.equal((await err.textContent()).trim(), uiText('console.errors.text.required', 'zh-CN'));

        await console_.getByTestId('note-kind-instruction').check();
        await console_.getByTestId('note-text').fill('请在48小时内上门回访客户，当面致歉。');
        await console_.getByTestId('note-submit').click();
        const notes = console_.getByTestId('console-note');
        await notes.first().waitFor();
        assert.equal(await notes.first().getAttribute('data-kind'), 'instruction');
        assert.equal(await err.count(), 0, 'the error goes once the note is sent');
        await screenshot(console_, 'console-complaint-zh-CN');
        await console_.getByTestId('lang-en').click();
        await console_.locator('h2', { hasText: uiText('console.complaints.notes_title', 'en') }).waitFor();
        await screenshot(console_, 'console-complaint-en');

        await syncUntil(app.url, token, async () => (await callApi(app.url, 'get_complaint', { id }, token)).head_office_notes.length === 1);
        await page.goto(`${app.url}/#/complaints/${id}`);
        await setLocale(page, 'zh-CN');
        const station = page.getByTestId('head-office-note');
        await station.first().waitFor();
        assert.equal(await station.first().getAttribute('data-kind'), 'instruction');
        assert.match(await station.first().textContent(), /当面致歉/);
        assert.match(await station.first().textContent(), /质量经理 周敏/);
      } catch (e) {
        await screenshot(console_, 'console-complaints-failure').catch(() => undefined);
        throw e;
      }
    });
  } finally {
    await ho.stop();
  }
});
