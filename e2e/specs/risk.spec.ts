// Risk journey: the labor-arbitration provider (its emulator, in this process) holds a fixture company with
// recent lost, unpaid awards. Risk staff sign in to the console (password + TOTP), check the company by its
// credit code and see the score with each rule's deduction; the check raised an urgent alert, which the
// alerts list shows with case count, amount and latest case, and which reached the staff's message center.
// The threshold tab draws the score distribution. Real server process, real Chromium, screenshots to
// docs/screenshots/risk-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb, root, startPlatform, type RunningPlatform } from '../lib/platform.ts';
import { desktop, launch, phone } from '../lib/browser.ts';
import { totp } from '../lib/totp.ts';
import { createArbitrationProvider, type ArbitrationProvider } from '../../emulators/arbitration-provider/src/server.ts';
import { completeCreditCode } from '../../emulators/arbitration-provider/src/credit-code.ts';
import { loginUi, runJourney } from '../lib/journey.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';

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
let emu: PaymentChannelEmulator;
/** The company the demo enterprise owner (13800000003) verifies in the second journey: risky too. */
const OWNER_CODE = '91110000100000001W';
const OWNER_COMPANY = '北京速达快递驿站有限公司';
const DEMO_PASSWORD = 'Dingban#Demo2026';
const STAFF_TOTP = 'DINGBANDEMOTOTPSECRETAAAAAAAAAAA';
/** A 1×1 PNG: the server checks the type by content (magic bytes). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A call made by the logged-in page itself (its session cookie and CSRF token), as the app would. */
async function apiFromPage(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = decodeURIComponent(
        document.cookie
          .split('; ')
          .find((c) => c.startsWith('dingban_csrf='))
          ?.split('=')[1] ?? '',
      );
      const r = await fetch(path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          'x-csrf-token': csrf,
          'accept-language': 'zh-CN',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    },
    { method, path, body },
  );
}

/** Picks an option of the antd Select with this test id by its title. */
async function pick(page: Page, testId: string, title: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${title}"]`).click();
}

let lastTotp = '';
/** The demo risk user signs in (password + TOTP). A TOTP code is accepted once: wait for a fresh one. */
async function staffLogin(page: Page): Promise<void> {
  let code = totp(STAFF_TOTP);
  while (code === lastTotp) {
    await page.waitForTimeout(1000);
    code = totp(STAFF_TOTP);
  }
  lastTotp = code;
  await page.goto('/login');
  await page.getByTestId('identifier').fill('risk@demo.dingban.local');
  await page.getByTestId('password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('totp').waitFor();
  await page.getByTestId('totp').fill(code);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home-hero').waitFor();
}
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
    // The second journey's company: two recent lost, unpaid wage awards → high risk.
    provider.setCompany(OWNER_CODE, {
      companyName: OWNER_COMPANY,
      cases: [
        {
          caseNo: '京劳人仲（2026）第 0412 号',
          title: '拖欠工资',
          filedDate: daysAgo(20),
          amount: '26000.00',
          result: 'lose',
          executed: false,
        },
        {
          caseNo: '京劳人仲（2026）第 0198 号',
          title: '加班费',
          filedDate: daysAgo(75),
          amount: '18000.00',
          result: 'lose',
          executed: false,
        },
      ],
    });
    emu = createPaymentChannelEmulator();
    await emu.listen(0, '127.0.0.1');
    const credentials = join(mkdtempSync(join(tmpdir(), 'dingban-e2e-risk-')), 'merchant-credentials.json');
    writeFileSync(credentials, JSON.stringify(emu.credentials));
    server = await startPlatform({
      DEMO_ACCOUNTS: 'true',
      ARBITRATION_BASE_URL: url,
      WECHATPAY_BASE_URL: emu.url,
      WECHATPAY_CREDENTIALS_FILE: credentials,
    });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.close();
    await emu?.close();
  });

  it('A3 A7: risk staff check a risky company by credit code, see the score with each rule’s deduction, and the urgent alert with case count, amount and latest case', async () => {
    await journey('risk-console', desktop, async (page) => {
      await staffLogin(page);

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

      // Batch (A2): upload a CSV of credit codes, download the results as CSV — one row per code, errors included.
      await page.getByRole('tab', { name: '批量查询' }).click();
      const badCode = RISKY.slice(0, 17) + (RISKY[17] === '0' ? '1' : '0');
      await page.locator('input[type=file]').setInputFiles({
        name: 'codes.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(`统一社会信用代码\r\n${RISKY}\r\n${badCode}\r\n`, 'utf8'),
      });
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '查询并下载结果' }).click()]);
      assert.match(download.suggestedFilename(), /^risk-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = readFileSync((await download.path())!, 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      assert.equal(csv.length, 3, csv.join('\n'));
      assert.match(csv[1]!, new RegExp(`^"${RISKY}","ok","${COMPANY}","0","high","3"`));
      assert.match(csv[2]!, /"error",.*"RISK_CREDIT_CODE_INVALID"/);
      await page.getByText(/已下载 risk-.*\.csv/).waitFor();

      // Threshold and the score distribution (SVG bars); after a recomputation, the threshold over time.
      assert.equal((await apiFromPage(page, 'POST', '/api/v1/risk/thresholds/recompute', {})).status, 200);
      await page.getByRole('tab', { name: '阈值与分布' }).click();
      await page.getByTestId('score-chart').waitFor();
      assert.ok((await page.getByTestId('score-chart').locator('rect').count()) === 10);
      await page.getByTestId('threshold-chart').locator('circle').first().waitFor();
      await shot(page, 'thresholds');

      // The alert also reached the risk staff's message center.
      await page.goto('/messages');
      await page.getByText(COMPANY, { exact: false }).first().waitFor();
    });
  });

  it('A7 A9 S5.5b: a verified enterprise with a risky record → urgent alert to risk staff; its new order is held, the owner sees why and replies, risk staff release it, and a courier sees "high risk" with the explanation on it', async () => {
    let orderId = '';
    await journey('risk-held-owner', phone, async (page) => {
      // The enterprise owner verifies the company (license + legal representative; approved at once by the registry check).
      await loginUi(page, '13800000003', DEMO_PASSWORD);
      await page.goto('/me/verification');
      await page.getByTestId('company-name').fill(OWNER_COMPANY);
      await page.getByTestId('credit-code').fill(OWNER_CODE);
      await page.getByTestId('upload-license').setInputFiles({ name: 'license.png', mimeType: 'image/png', buffer: PNG });
      await page.locator('[data-testid=upload-license-progress][data-done=true]').waitFor();
      await page.getByTestId('real-name').fill('张三');
      await page.getByTestId('id-number').fill('11010519491231002X');
      for (const side of ['front', 'back']) {
        await page.getByTestId(`upload-id-${side}`).setInputFiles({ name: `id-${side}.png`, mimeType: 'image/png', buffer: PNG });
        await page.locator(`[data-testid=upload-id-${side}-progress][data-done=true]`).waitFor();
      }
      await page.getByTestId('identity-submit').click();
      await page.getByTestId('identity-status').getByText('已通过实名认证').waitFor();

      // Approval checks the company in the background (outbox job); wait until its level is known.
      for (let i = 0; ; i++) {
        const level = await apiFromPage(page, 'GET', `/api/v1/risk/levels/${OWNER_CODE}`);
        if (level.json.level === 'high') break;
        assert.ok(i < 60, `company not checked after approval: ${JSON.stringify(level.json)}`);
        await page.waitForTimeout(500);
      }

      // A store and a shift, paid from the wallet after a top-up at the payment channel.
      const store = await apiFromPage(page, 'POST', '/api/v1/stores', {
        name: '速达驿站（望京店）',
        brands: ['中通'],
        regionCode: '110105',
        address: '北京市朝阳区望京街 20 号',
        lat: 39.99,
        lng: 116.47,
        contactPhone: '13800000003',
      });
      assert.equal(store.status, 201, JSON.stringify(store.json));
      const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
      const order = await apiFromPage(page, 'POST', '/api/v1/orders', {
        storeId: store.json.id,
        typeCode: 'station_duty',
        startsAt: `${day}T01:00:00Z`,
        endsAt: `${day}T05:00:00Z`,
        payFen: 12_000,
      });
      assert.equal(order.status, 201, JSON.stringify(order.json));
      orderId = String(order.json.id);
      const topup = await apiFromPage(page, 'POST', '/api/v1/wallet/topups', { amountFen: 12_000 });
      assert.equal(topup.status, 201, JSON.stringify(topup.json));
      await emu.pay(String(topup.json.outTradeNo));
      for (let i = 0; ; i++) {
        const s = await apiFromPage(page, 'GET', `/api/v1/wallet/topups/${String(topup.json.id)}`);
        if (s.json.status === 'paid') break;
        assert.ok(i < 50, 'top-up was not credited');
        await emu.runDue();
      }

      // The owner pays on the order page: the order is held for risk review, and the page says why.
      await page.goto(`/orders/${orderId}`);
      await page.getByTestId('pay-order').click();
      await page.getByText('已支付，订单须经风控审核后发布').waitFor();
      await page.getByTestId('order-status').getByText('风控审核中').waitFor();
      const hold = page.getByTestId('risk-hold');
      await hold.waitFor();
      assert.match(await page.getByTestId('risk-hold-explanation').innerText(), /高风险.*风控人员审核/);
      assert.match(await hold.innerText(), new RegExp(OWNER_COMPANY));
      await page.getByTestId('risk-hold-reply').fill('两起裁决已于本月履行完毕，可提供银行回单。');
      await page.getByTestId('risk-hold-send').click();
      await page.getByTestId('risk-hold-response').getByText('两起裁决已于本月履行完毕').waitFor();
      for (const close of await page.locator('.ant-notification-notice-close').all()) await close.click(); // picture only
      await shot(page, 'owner-held');
    });

    await journey('risk-held-staff', desktop, async (page) => {
      await staffLogin(page);
      // The urgent alert of the verified company reached the risk staff's message center (not only the
      // held-order notice, which names the company too)…
      await page.goto('/messages');
      await page
        .getByTestId('notification')
        .filter({ hasText: `【紧急】用工风险预警 ${OWNER_COMPANY}` })
        .first()
        .waitFor();
      // …and the console's alert list: urgent, two cases, the amount and the latest case.
      await page.getByRole('menuitem', { name: '风控' }).click();
      await page.getByRole('tab', { name: '风险预警' }).click();
      const alertRow = page.getByTestId('risk-alerts').locator('tbody tr.ant-table-row', { hasText: OWNER_COMPANY }).first();
      await alertRow.waitFor();
      const alertText = await alertRow.innerText();
      assert.match(alertText, /紧急/);
      assert.match(alertText, /\t2\t/);
      assert.match(alertText, /¥44,000\.00/);
      assert.match(alertText, /第 0412 号/);
      // The held order waits in the console's review queue with the owner's reply.
      await page.getByRole('tab', { name: '待审核订单' }).click();
      const row = page.getByTestId('risk-holds').locator('tbody tr.ant-table-row', { hasText: OWNER_COMPANY });
      await row.waitFor();
      assert.match(await row.innerText(), /两起裁决已于本月履行完毕/);
      await shot(page, 'holds');
      await row.getByRole('button', { name: '放行发布' }).click();
      await page.getByTestId('risk-hold-decision-reason').fill('已核实裁决履行凭证');
      await page.locator('.ant-modal-footer').getByRole('button', { name: '放行发布' }).click();
      await page.getByText('已放行，订单已发布').waitFor();
    });

    await journey('risk-held-courier', phone, async (page) => {
      // A courier looks for shifts and keeps only high-risk employers: the released order is there, its card
      // says "high risk" and why.
      await loginUi(page, '13800000001', DEMO_PASSWORD);
      await page.goto('/orders?tab=find');
      await page.getByTestId('market-filters').waitFor();
      await pick(page, 'risk-filter', '用工风险高');
      await page.keyboard.press('Escape'); // a multiple select stays open after a pick
      await page.getByTestId('market-search').click();
      const card = page.getByTestId('order-card').filter({ hasText: '速达驿站（望京店）' });
      await card.waitFor();
      assert.equal(await page.getByTestId('order-card').count(), 1, 'only the high-risk employer’s order');
      assert.match(await card.getByTestId('employer-risk').innerText(), /用工风险高/);
      assert.match(await card.getByTestId('employer-risk-explanation').innerText(), /^高风险：/);
      await shot(page, 'courier-market-high');
      // Opening it: "high risk" with the plain explanation, no case details.
      await card.click();
      await page.getByTestId('order-status').getByText('待接单').waitFor();
      const tag = page.getByTestId('employer-risk');
      await tag.waitFor();
      assert.match(await tag.innerText(), /用工风险高/);
      const body = await page.locator('body').innerText();
      assert.match(body, /高风险：发单企业近期劳动仲裁较多/);
      assert.ok(!body.includes('京劳人仲'), 'couriers never see case numbers');
      await shot(page, 'courier-high');
    });
  });
});
