// Risk journey: the labor-arbitration provider (its emulator, in this process) holds a fixture company with
// recent lost, unpaid awards. Risk staff sign in to the console (password + TOTP), check the company by its
// credit code and see the score with each rule's deduction; the check raised an urgent alert, which the
// alerts list shows with case count, amount and latest case, and which reached the staff's message center.
// The threshold tab draws the score distribution. Real server process, real Chromium, screenshots to
// docs/screenshots/risk-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb, root, startPlatform, type RunningPlatform } from '../lib/platform.ts';
import { desktop, launch } from '../lib/browser.ts';
import { totp } from '../lib/totp.ts';
import { createArbitrationProvider, type ArbitrationProvider } from '../../emulators/arbitration-provider/src/server.ts';
import { completeCreditCode } from '../../emulators/arbitration-provider/src/credit-code.ts';
import { runJourney } from '../lib/journey.ts';

const shots = root + 'docs/screenshots/';
mkdirSync(shots, { recursive: true });
async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400); // antd motion; only affects the picture, never an assertion
  await page.screenshot({ path: `${shots}risk-${name}.png` });
}

let server: RunningPlatform;
let browser: Browser;
let provider: ArbitrationProvider;
const RISKY = completeCreditCode('91310115MA1K4R0K0');
const COMPANY = '上海欠薪物流有限公司';

/** A date `days` ago in China time, YYYY-MM-DD. */
const daysAgo = (days: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() - days * 86_400_000));

const journey = (name: string, make: (b: Browser, url: string) => Promise<BrowserContext>, body: (page: Page) => Promise<void>) =>
  runJourney(browser, server, name, make, body);

describe('risk journeys', { timeout: 120_000 }, () => {
  before(async () => {
    buildWeb();
    provider = createArbitrationProvider({ seed: 'e2e-risk' });
    const url = await provider.listen(0, '127.0.0.1');
    // Three recent cases the employer lost, two awards unpaid: 100 − 60 (recent) − amount − lose rate − 50 (unexecuted) → 0.
    provider.setCompany(RISKY, {
      companyName: COMPANY,
      cases: [
        {
          caseNo: '沪劳人仲（2026）第 1201 号',
          title: '拖欠工资',
          filedDate: daysAgo(30),
          amount: '48000.00',
          result: 'lose',
          executed: false,
        },
        {
          caseNo: '沪劳人仲（2026）第 0877 号',
          title: '未签劳动合同二倍工资',
          filedDate: daysAgo(90),
          amount: '36000.00',
          result: 'lose',
          executed: false,
        },
        {
          caseNo: '沪劳人仲（2025）第 3310 号',
          title: '经济补偿金',
          filedDate: daysAgo(200),
          amount: '22000.00',
          result: 'lose',
          executed: true,
        },
      ],
    });
    server = await startPlatform({ DEMO_ACCOUNTS: 'true', ARBITRATION_BASE_URL: url });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.close();
  });

  it('A3 A7: risk staff check a risky company by credit code, see the score with each rule’s deduction, and the urgent alert with case count, amount and latest case', async () => {
    await journey('risk-console', desktop, async (page) => {
      await page.goto('/login');
      await page.getByTestId('identifier').fill('risk@demo.dingban.local');
      await page.getByTestId('password').fill('Dingban#Demo2026');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('totp').waitFor();
      await page.getByTestId('totp').fill(totp('DINGBANDEMOTOTPSECRETAAAAAAAAAAA'));
      await page.getByTestId('login-submit').click();
      await page.getByTestId('home-hero').waitFor();

      // The console menu offers the risk console to a user with risk:read.
      await page.getByRole('menuitem', { name: '风控' }).click();
      await page.getByTestId('risk-code').fill(RISKY);
      await page.getByRole('button', { name: /查\s*询/ }).click();
      const report = page.getByTestId('risk-report');
      await report.waitFor();
      const text = await report.innerText();
      assert.match(text, new RegExp(COMPANY));
      assert.match(text, /高风险/);
      assert.match(text, /已触发预警/);
      // One row per rule, each with its deduction, and the sum clamps to a score of 0.
      const rows = page.getByTestId('risk-deductions').locator('tbody tr.ant-table-row');
      assert.equal(await rows.count(), 4, 'recent cases, amount, lose rate, unexecuted');
      assert.match(await rows.nth(0).innerText(), /−60/);
      assert.match(await page.getByTestId('risk-deductions').innerText(), /−50/);
      assert.match(text, /¥106,000\.00/);
      await shot(page, 'company');

      // The alert list: urgent, with case count, amount and the latest case.
      await page.getByRole('tab', { name: '风险预警' }).click();
      const alert = page.getByTestId('risk-alerts').locator('tbody tr.ant-table-row').first();
      await alert.waitFor();
      const row = await alert.innerText();
      assert.match(row, /紧急/);
      assert.match(row, new RegExp(COMPANY));
      assert.match(row, /\t3\t/);
      assert.match(row, /¥106,000\.00/);
      assert.match(row, /第 1201 号/);
      await page.locator('.ant-radio-button-wrapper', { hasText: '紧急' }).click();
      await page.getByTestId('risk-alerts').locator('tbody tr.ant-table-row', { hasText: COMPANY }).waitFor();
      await shot(page, 'alerts');

      // Clicking the alert opens the company's breakdown again.
      await page.getByTestId('risk-alerts').locator('tbody tr.ant-table-row', { hasText: COMPANY }).click();
      await page.getByTestId('risk-report').waitFor();

      // Threshold and the score distribution (SVG bars).
      await page.getByRole('tab', { name: '阈值与分布' }).click();
      await page.getByTestId('score-chart').waitFor();
      assert.ok((await page.getByTestId('score-chart').locator('rect').count()) === 10);
      await shot(page, 'thresholds');

      // The alert also reached the risk staff's message center.
      await page.goto('/messages');
      await page.getByText(COMPANY, { exact: false }).first().waitFor();
    });
  });
});
