// Head-office notes on a complaint (总部意见) against a real head office: a
// complaint opened at the station goes up with the sync; the head office's
// quality manager adds an instruction and a note (the store function the
// console will call, via `headoffice --example complaint_note`); the station's
// next sync brings them down and the complaint page shows them in their own
// section, the instruction marked, above the station's own timeline, which
// they do not enter. Screenshots in zh-CN and en.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setUpWithHeadOffice, startHeadOffice, syncUntil, waitForSync } from './headoffice.mjs';
import { callApi, screenshot, setLocale, tokenOf, uiText, withApp } from './helpers.mjs';

test('a note and an instruction from the head office show on the complaint page, apart from the station timeline', { timeout: 180_000 }, async () => {
  const ho = await startHeadOffice();
  try {
    await withApp(async (page, app) => {
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

        ho.note('SH01', id, 'note', '质量经理 周敏', '客户同时拨打了12345热线，总部已登记备案。');
        ho.note('SH01', id, 'instruction', '质量经理 周敏', '请在48小时内上门回访客户，当面致歉，并将处理结果上报总部质量部。');
        await syncUntil(app.url, token, async () => (await callApi(app.url, 'get_complaint', { id }, token)).head_office_notes.length === 2);

        await page.goto(`${app.url}/#/complaints/${id}`);
        await setLocale(page, 'zh-CN');
        const section = page.getByTestId('head-office-notes');
        await section.waitFor();
        assert.match(await section.locator('h2').textContent(), new RegExp(uiText('complaint.head_office_notes', 'zh-CN')));
        const notes = section.getByTestId('head-office-note');
        assert.equal(await notes.count(), 2);
        assert.equal(await notes.nth(0).getAttribute('data-kind'), 'instruction', 'newest first');
        assert.equal((await notes.nth(0).getByTestId('head-office-note-kind').textContent()).trim(), uiText('complaint.ho_note_kind_instruction', 'zh-CN'));
        assert.match(await notes.nth(0).textContent(), /当面致歉/);
        assert.match(await notes.nth(1).textContent(), /12345/);
        const timeline = await page.getByTestId('timeline-entry').allTextContents();
        assert.ok(!timeline.some((e) => e.includes('当面致歉')), 'not in the station timeline');
        await screenshot(page, 'complaint-head-office-notes-zh-CN');

        await setLocale(page, 'en');
        await section.locator('h2').filter({ hasText: uiText('complaint.head_office_notes', 'en') }).waitFor();
        assert.equal((await notes.nth(0).getByTestId('head-office-note-kind').textContent()).trim(), uiText('complaint.ho_note_kind_instruction', 'en'));
        await screenshot(page, 'complaint-head-office-notes-en');
      } catch (e) {
        await screenshot(page, 'complaint-head-office-notes-failure').catch(() => undefined);
        throw e;
      }
    });
  } finally {
    await ho.stop();
  }
});
