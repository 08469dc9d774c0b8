// The UI speaks Simplified Chinese by default and English on request, and remembers the choice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenshot, setUpStation, withApp } from './helpers.mjs';


/** Waits until the element's text is `expected` (a string) or matches it (a RegExp): a click re-renders asynchronously. */
async function expectText(page, testid, expected) {
  const source = expected instanceof RegExp ? expected.source : null;
  await page.waitForFunction(
    ([id, exact, pattern]) => {
      const t = document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim();
      return t !== undefined && (pattern ? new RegExp(pattern).test(t) : t === exact);
    },
    [testid, source ? null : expected, source],
    { timeout: 10_000 },
  );
}

test('switching to zh-CN shows the Chinese labels, and back to English', { timeout: 120_000 }, async () => {
  await withApp(async (page) => {
    // A fresh browser: Chinese first.
    await page.getByTestId('setup').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await expectText(page, 'setup', /初始化服务站/);
    await expectText(page, 'load-demo', '载入演示数据');

    await page.getByTestId('lang-en').click();
    await expectText(page, 'load-demo', 'Load demo data');
    await expectText(page, 'setup', /Set up this station/);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');

    await setUpStation(page, { code: 'SH01', manager: 'Wang' });
    await expectText(page, 'nav-board', "Today's board");
    await expectText(page, 'board', /Checked in/);
    await expectText(page, 'current-user', /Station manager/);
    await screenshot(page, 'language-en');

    await page.getByTestId('lang-zh').click();
    await expectText(page, 'nav-board', '今日看板');
    await expectText(page, 'board', /已接车/);
    await expectText(page, 'current-user', /站长/);
    assert.equal(await page.getByTestId('search-input').getAttribute('placeholder'), '车牌、车架号、电话或姓名');
    await screenshot(page, 'language-zh-CN');

    // Remembered across a reload, and the session too.
    await page.reload();
    await page.getByTestId('board').waitFor();
    await expectText(page, 'nav-board', '今日看板');

    await page.getByTestId('lang-en').click();
    await page.reload();
    await page.getByTestId('board').waitFor();
    await expectText(page, 'nav-board', "Today's board");
  });
});
