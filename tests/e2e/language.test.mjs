// The UI speaks Simplified Chinese by default and English on request, and remembers the choice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenshot, setUpStation, withApp } from './helpers.mjs';

const text = async (page, testid) => (await page.getByTestId(testid).textContent()).trim();

test('switching to zh-CN shows the Chinese labels, and back to English', { timeout: 120_000 }, async () => {
  await withApp(async (page) => {
    // A fresh browser: Chinese first.
    await page.getByTestId('setup').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    assert.match(await page.getByTestId('setup').textContent(), /初始化服务站/);
    assert.equal(await text(page, 'load-demo'), '载入演示数据');

    await page.getByTestId('lang-en').click();
    assert.equal(await text(page, 'load-demo'), 'Load demo data');
    assert.match(await page.getByTestId('setup').textContent(), /Set up this station/);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');

    await setUpStation(page, { code: 'SH01', manager: 'Wang' });
    assert.equal(await text(page, 'nav-board'), "Today's board");
    assert.match(await page.getByTestId('board').textContent(), /Checked in/);
    assert.match(await page.getByTestId('current-user').textContent(), /Station manager/);
    await screenshot(page, 'language-en');

    await page.getByTestId('lang-zh').click();
    assert.equal(await text(page, 'nav-board'), '今日看板');
    assert.match(await page.getByTestId('board').textContent(), /已接车/);
    assert.match(await page.getByTestId('current-user').textContent(), /站长/);
    assert.equal(await page.getByTestId('search-input').getAttribute('placeholder'), '车牌、车架号、电话或姓名');
    await screenshot(page, 'language-zh-CN');

    // Remembered across a reload, and the session too.
    await page.reload();
    await page.getByTestId('board').waitFor();
    assert.equal(await text(page, 'nav-board'), '今日看板');

    await page.getByTestId('lang-en').click();
    await page.reload();
    await page.getByTestId('board').waitFor();
    assert.equal(await text(page, 'nav-board'), "Today's board");
  });
});
