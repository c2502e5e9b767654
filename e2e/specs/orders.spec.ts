// Orders journeys: a store owner creates a store (province → city → district pickers), posts a shift order
// (the server's validation words shown), sees the payment countdown and pays from the wallet; a courier finds
// it by a 2-character keyword within 5 km of a manually entered position, sees distance and store rating,
// and is refused taking it until verified (the server's words); support records a phone complaint and
// resolves it. Real server process (wallet top-up through the in-process payment-channel emulator), real
// Chromium, screenshots to docs/screenshots/orders-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb, root, startPlatform, type RunningPlatform } from '../lib/platform.ts';
import { desktop, launch, phone } from '../lib/browser.ts';
import { totp } from '../lib/totp.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';
import { runJourney, loginUi } from '../lib/journey.ts';

const shots = root + 'docs/screenshots/';
mkdirSync(shots, { recursive: true });
async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400); // antd motion; only affects the picture, never an assertion
  await page.screenshot({ path: `${shots}orders-${name}.png` });
}

let server: RunningPlatform;
let browser: Browser;
let emu: PaymentChannelEmulator;
const DEMO_PASSWORD = 'Dingban#Demo2026';
const OWNER = '13800000002';
const COURIER = '13800000001';
let orderNo = '';

const journey = (name: string, make: (b: Browser, url: string) => Promise<BrowserContext>, body: (page: Page) => Promise<void>) =>
  runJourney(browser, server, name, make, body);

/** Picks an option of an antd Select by typing part of it (searchable selects) and clicking its exact title. */
async function pick(page: Page, testId: string, title: string, type?: string): Promise<void> {
  await page.getByTestId(testId).click();
  if (type) await page.keyboard.type(type);
  await page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${title}"]`).click();
}

/** Tomorrow in China time as YYYY-MM-DD. */
const tomorrow = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + 86_400_000));

async function fillDateTime(page: Page, label: string, value: string): Promise<void> {
  const input = page.getByLabel(label);
  await input.click();
  await input.fill(value);
  await input.press('Enter');
}

/** The owner's wallet gets money the way a person would add it: a top-up paid at the (emulated) channel. */
async function topUp(page: Page, amountFen: number): Promise<void> {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'dingban_csrf')?.value ?? '';
  const r = await page.request.post('/api/v1/wallet/topups', { data: { amountFen }, headers: { 'x-csrf-token': csrf } });
  assert.equal(r.status(), 201, await r.text());
  const t = (await r.json()) as { id: string; outTradeNo: string };
  await emu.pay(t.outTradeNo);
  for (let i = 0; i < 50; i++) {
    const s = (await (await page.request.get(`/api/v1/wallet/topups/${t.id}`)).json()) as { status: string };
    if (s.status === 'paid') return;
    await emu.runDue();
  }
  assert.fail('top-up was not credited');
}

describe('orders journeys', { timeout: 240_000 }, () => {
  before(async () => {
    buildWeb();
    emu = createPaymentChannelEmulator();
    await emu.listen(0, '127.0.0.1');
    const dir = mkdtempSync(join(tmpdir(), 'dingban-e2e-pay-'));
    const credentials = join(dir, 'merchant-credentials.json');
    writeFileSync(credentials, JSON.stringify(emu.credentials));
    server = await startPlatform({ DEMO_ACCOUNTS: 'true', WECHATPAY_BASE_URL: emu.url, WECHATPAY_CREDENTIALS_FILE: credentials });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await emu?.close();
  });

  it('S5.5a S5.5b S5.7a: an owner creates a store with the region pickers, posts an order (server validation shown), sees the payment countdown, pays from the wallet and sees the cancel deadline', async () => {
    await journey('orders-owner', phone, async (page) => {
      await loginUi(page, OWNER, DEMO_PASSWORD);
      // The bottom tab bar has the orders tab; stores are a home shortcut.
      await page.locator('nav.tabbar').getByText('订单').waitFor();
      await page.goto('/stores');
      await page.getByTestId('store-new').click();
      const form = page.getByTestId('store-form');
      await form.getByLabel('门店名称').fill('顶班测试驿站（科技园店）');
      await pick(page, 'region-province', '广东省', '广东');
      await pick(page, 'region-city', '深圳市', '深圳');
      await pick(page, 'region-district', '南山区', '南山');
      await form.getByLabel('详细地址').fill('科技园南区高新南一道 8 号');
      await form.getByPlaceholder('纬度').fill('22.540503');
      await form.getByPlaceholder('经度').fill('113.934528');
      await form.getByLabel('联系电话').fill('13912345678');
      await shot(page, 'store-form');
      await form.getByRole('button', { name: /保\s*存/ }).click();
      const card = page.getByTestId('store-card').filter({ hasText: '科技园店' });
      await card.waitFor();
      assert.match(await card.innerText(), /广东省 深圳市 南山区/);
      assert.match(await card.innerText(), /139\*\*\*\*5678/, 'the contact phone is shown masked');

      await card.getByText('发布顶班').click();
      await page.getByTestId('post-form').waitFor();
      await pick(page, 'post-type', '驿站值守');
      const day = tomorrow();
      await fillDateTime(page, '开始时间', `${day} 09:00`);
      await fillDateTime(page, '结束时间', `${day} 17:00`);
      // Below the published hourly floor: the server refuses in its own words.
      await page.getByTestId('post-pay').fill('50');
      await page.getByLabel('说明').fill('双十一后件量大，需熟悉中通、圆通出入库');
      await page.getByTestId('post-submit').click();
      const refusal = page.locator('.ant-message-error');
      await refusal.waitFor();
      assert.ok((await refusal.innerText()).length > 4, 'a validation message from the server');
      await page.getByTestId('post-pay').fill('240');
      await page.getByTestId('post-submit').click();

      // The order waits for payment with a countdown to payBefore.
      await page.getByTestId('pay-countdown').waitFor();
      assert.match(await page.getByTestId('order-status').innerText(), /待支付/);
      assert.match(await page.getByTestId('pay-countdown').innerText(), /^\d{2}:\d{2}$/);
      orderNo = (await page.locator('.ant-descriptions-item').filter({ hasText: '订单号' }).innerText()).match(/DB\S+/)![0];
      await page
        .getByTestId('order-rules')
        .waitFor({ state: 'detached' })
        .catch(() => undefined);
      await shot(page, 'pay-countdown');

      await topUp(page, 50_000);
      await page.getByTestId('pay-order').click();
      await page.getByTestId('order-status').getByText('待接单').waitFor();
      // The timeline shows posting and publication; the deadlines are shown.
      await page.getByTestId('order-timeline').getByText('待接单').waitFor();
      assert.match(await page.getByTestId('order-timeline').innerText(), /待支付[\s\S]*待接单/);
      assert.match(await page.locator('.ant-descriptions').innerText(), /可取消至/);
      await shot(page, 'detail-published');

      // My posted orders list shows it with its live status.
      await page.goto('/orders?tab=posted');
      await page.getByTestId('my-orders-owner').getByTestId('order-card').filter({ hasText: '待接单' }).first().waitFor();
    });
  });

  it('S5.6a S5.6b: a courier finds the order by a 2-character keyword within 5 km, sees distance, store rating and employer risk, and is told to verify before taking it', async () => {
    await journey('orders-courier', phone, async (page) => {
      await loginUi(page, COURIER, DEMO_PASSWORD);
      await page.locator('nav.tabbar').getByText('订单').click();
      const filters = page.getByTestId('market-filters');
      await filters.waitFor();
      await filters.getByPlaceholder('搜索门店、地址、说明').fill('科技');
      await filters.getByPlaceholder('纬度').fill('22.55');
      await filters.getByPlaceholder('经度').fill('113.94');
      await pick(page, 'radius', '≤ 5 km');
      await page.getByTestId('market-search').click();
      // The distance from my position appears once the search ran with it.
      const card = page
        .getByTestId('order-card')
        .filter({ hasText: '科技园店' })
        .filter({ hasText: /\d km|\d m\b/ });
      await card.waitFor();
      assert.match(await card.innerText(), /¥240\.00/);
      assert.match(await card.innerText(), /1\.\d km/, 'about 1.2 km from my position');
      await shot(page, 'market');

      // 1 km radius: nothing (the store is about 1.2 km away).
      await pick(page, 'radius', '≤ 1 km');
      await page.getByTestId('market-search').click();
      await page.getByText('没有符合条件的订单').waitFor();

      await pick(page, 'radius', '≤ 5 km');
      await page.getByTestId('market-search').click();
      await card.click();
      await page.getByTestId('take-order').waitFor();
      await page.locator('.ant-descriptions-item').filter({ hasText: '门店评分' }).getByText('暂无评分').waitFor();
      // A person posted it: the employer risk is "not assessed", with the server's explanation.
      assert.match(await page.getByTestId('employer-risk').innerText(), /未评估/);
      await page.getByTestId('take-order').click();
      await page.locator('.ant-message-error').getByText('请先完成实名认证').waitFor();
      assert.match(await page.getByTestId('order-status').innerText(), /待接单/);
      await shot(page, 'take-refused');
    });
  });

  it('S5.7d: support records a phone complaint about the order (it is theirs to handle) and resolves it', async () => {
    await journey('orders-support', desktop, async (page) => {
      await page.goto('/login');
      await page.getByTestId('identifier').fill('support@demo.dingban.local');
      await page.getByTestId('password').fill(DEMO_PASSWORD);
      await page.getByTestId('login-submit').click();
      await page.getByTestId('totp').waitFor();
      await page.getByTestId('totp').fill(totp('DINGBANDEMOTOTPSECRETAAAAAAAAAAA'));
      await page.getByTestId('login-submit').click();
      await page.getByTestId('home-hero').waitFor();
      await page.getByRole('menuitem', { name: '投诉处理' }).click();
      await page.getByTestId('record-phone').click();
      const dialog = page.locator('.ant-modal:visible');
      await dialog.getByLabel('来电号码').fill('13912345678');
      await dialog.getByLabel('订单号').fill(orderNo);
      await dialog.getByLabel('投诉内容').fill('来电反映：订单说明与实际工作不符。');
      await dialog.getByRole('button', { name: /提\s*交/ }).click();
      const row = page.locator('tr').filter({ hasText: '电话' }).first();
      await row.waitFor();
      assert.match(await row.innerText(), /处理中/, 'a phone complaint is owned by the staff member who recorded it');
      assert.match(await row.innerText(), /139\*\*\*\*5678/, 'the caller number is masked');
      await shot(page, 'complaints-queue');
      await row.click();
      const drawer = page.locator('.ant-drawer:visible');
      await drawer.locator('.ant-drawer-title').getByText(orderNo).waitFor();
      await drawer.getByLabel('处理结果（告知投诉人）').fill('已与店主核实并更正订单说明。');
      await drawer.getByRole('button', { name: /结\s*案/ }).click();
      await drawer.getByText('已解决').first().waitFor();
    });
  });
});
