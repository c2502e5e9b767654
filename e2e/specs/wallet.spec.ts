// Wallet journeys: a store owner tops up through the payment channel's "scan and pay" page (the emulator, in
// this process), sees the balance credited live, pays an order from the balance, downloads last month's bill,
// and — once the month is over (dev clock) — that month's bill with the top-up and the order payment; a courier
// (verified by the identity provider's dataset) binds a WeChat payout account (a bad card number is refused in
// the server's words), withdraws with the fee shown before confirming, and sees the payout paid and notified;
// finance reconciles and answers an appeal; an owner pays an order through WeChat Pay's page.
// Real server process, real Chromium, screenshots to docs/screenshots/wallet-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb, root, startPlatform, type RunningPlatform } from '../lib/platform.ts';
import { desktop, launch, phone } from '../lib/browser.ts';
import { totp } from '../lib/totp.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';
import { runJourney, loginUi } from '../lib/journey.ts';
import { verifyPersonByApi } from '../lib/identity.ts';

const shots = root + 'docs/screenshots/';
mkdirSync(shots, { recursive: true });
async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400); // antd motion; only affects the picture, never an assertion
  await page.screenshot({ path: `${shots}wallet-${name}.png` });
}
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let server: RunningPlatform;
let browser: Browser;
let emu: PaymentChannelEmulator;
const DEMO_PASSWORD = 'Dingban#Demo2026';
const OWNER = '13800000002';
const COURIER = '13800000001';
const FINANCE = 'finance@demo.dingban.local';
const STAFF_TOTP = 'DINGBANDEMOTOTPSECRETAAAAAAAAAAA';
const DAY_MS = 86_400_000;

const journey = (name: string, make: (b: Browser, url: string) => Promise<BrowserContext>, body: (page: Page) => Promise<void>) =>
  runJourney(browser, server, name, make, body);

/** Money for the courier's withdrawal: a top-up paid at the emulated channel (the owner's journey does it through the UI). */
async function topUpByApi(page: Page, amountFen: number): Promise<string> {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'dingban_csrf')?.value ?? '';
  const r = await page.request.post('/api/v1/wallet/topups', { data: { amountFen }, headers: { 'x-csrf-token': csrf } });
  assert.equal(r.status(), 201, await r.text());
  const t = (await r.json()) as { id: string; outTradeNo: string };
  await emu.pay(t.outTradeNo);
  for (let i = 0; i < 50; i++) {
    const s = (await (await page.request.get(`/api/v1/wallet/topups/${t.id}`)).json()) as { status: string };
    if (s.status === 'paid') return t.outTradeNo;
    await emu.runDue();
  }
  assert.fail('top-up was not credited');
}

/**
 * The owner's store (made once) and a new unpaid order at it, posted through the API; returns the order id.
 * Posting needs a real-name verification (S5.2): the owner is verified first (once) with a pair from the identity
 * provider's dataset that the courier's journey (李四) does not use.
 */
async function postOrderByApi(page: Page, payFen: number): Promise<string> {
  await verifyPersonByApi(page, '张三', '11010519491231002X');
  const csrf = (await page.context().cookies()).find((c) => c.name === 'dingban_csrf')?.value ?? '';
  const headers = { 'x-csrf-token': csrf };
  const stores = (await (await page.request.get('/api/v1/stores')).json()) as { items: { id: string }[] };
  let storeId = stores.items[0]?.id;
  if (!storeId) {
    const made = await page.request.post('/api/v1/stores', {
      headers,
      data: {
        name: '菜鸟驿站（南山科技园店）',
        brands: ['中通'],
        regionCode: '440305',
        address: '深圳市南山区高新南一道 8 号',
        lat: 22.5405,
        lng: 113.9531,
        contactPhone: '13812345678',
      },
    });
    assert.equal(made.status(), 201, await made.text());
    storeId = ((await made.json()) as { id: string }).id;
  }
  const now = new Date(((await (await page.request.get('/api/v1/dev/clock')).json()) as { now: string }).now).getTime();
  const posted = await page.request.post('/api/v1/orders', {
    headers,
    data: {
      storeId,
      typeCode: 'station_duty',
      startsAt: new Date(now + 2 * DAY_MS).toISOString(),
      endsAt: new Date(now + 2 * DAY_MS + 8 * 3600_000).toISOString(),
      payFen,
      description: '驿站值守，负责取件出库',
    },
  });
  assert.equal(posted.status(), 201, await posted.text());
  return ((await posted.json()) as { id: string }).id;
}

/** Last month in China time as YYYY-MM (a completed period, so its statement can be made). */
function lastMonth(): string {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()).split('-').map(Number) as [
    number,
    number,
  ];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

describe('wallet journeys', { timeout: 180_000 }, () => {
  before(async () => {
    buildWeb();
    emu = createPaymentChannelEmulator();
    await emu.listen(0, '127.0.0.1');
    const dir = mkdtempSync(join(tmpdir(), 'dingban-e2e-wallet-'));
    const credentials = join(dir, 'merchant-credentials.json');
    writeFileSync(credentials, JSON.stringify(emu.credentials));
    // The emulator speaks Alipay too: the app's key is the merchant key, "Alipay's" key its platform certificate.
    const alipayCredentials = join(dir, 'alipay-credentials.json');
    writeFileSync(
      alipayCredentials,
      JSON.stringify({
        appId: '2021000000000001',
        appPrivateKeyPem: emu.credentials.merchantPrivateKeyPem,
        alipayPublicKeyPem: emu.credentials.platformCertificatePem,
      }),
    );
    server = await startPlatform({
      DEMO_ACCOUNTS: 'true',
      WECHATPAY_BASE_URL: emu.url,
      WECHATPAY_CREDENTIALS_FILE: credentials,
      ALIPAY_GATEWAY_URL: `${emu.url}/alipay/gateway.do`,
      ALIPAY_CREDENTIALS_FILE: alipayCredentials,
    });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await emu?.close();
  });

  it('S5.9a S5.9b S5.9c: an owner picks Alipay, tops up on the channel’s pay page, sees the balance credited live, and downloads last month’s bill (CSV and PDF)', async () => {
    await journey('wallet-owner', phone, async (page) => {
      await loginUi(page, OWNER, DEMO_PASSWORD);
      // Five tabs at most on a phone; the wallet is one of them.
      const tabs = page.locator('nav.tabbar a');
      assert.ok((await tabs.count()) <= 5, 'at most five bottom tabs');
      await page.locator('nav.tabbar').getByText('钱包').click();
      const balance = page.getByTestId('wallet-balance');
      await balance.getByText('0.00').first().waitFor();

      await page.getByRole('button', { name: /充\s*值/ }).click();
      await page.getByTestId('topup-amount').fill('200');
      // Both channels are enabled: the payer picks one.
      await page.getByTestId('topup-channel').getByText('支付宝').click();
      await page.getByRole('button', { name: '去支付' }).click();
      const pay = page.getByTestId('topup-pay-link');
      await pay.waitFor();
      await page.locator('.ant-qrcode').waitFor();
      await shot(page, 'topup-qr');

      // The payer opens the channel's page (as after scanning the QR code) and confirms there.
      const [payPage] = await Promise.all([page.context().waitForEvent('page'), pay.click()]);
      await payPage.waitForLoadState();
      assert.ok(payPage.url().startsWith(`${emu.url}/alipay/`), 'the pay page is Alipay’s, not ours');
      await payPage.locator('#pay').click();
      await payPage.waitForLoadState();
      await payPage.close();

      // Back in the app: the top-up turns paid without a reload and the balance shows the money.
      await page.getByTestId('topup-paid').waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: '关 闭', exact: true }).click();
      await balance.getByText('200.00').first().waitFor();
      const tx = page.getByTestId('wallet-tx').first();
      await tx.waitFor();
      assert.match(await tx.innerText(), /充值[\s\S]*\+200\.00/);
      await shot(page, 'balance');

      // An order paid from the balance: ¥160 of the ¥200 goes into the order's escrow.
      const orderId = await postOrderByApi(page, 16_000);
      await page.goto(`/orders/${orderId}`);
      await page.getByTestId('pay-order').click();
      await page.getByTestId('order-status').getByText('待接单').waitFor();
      await page.goto('/wallet');
      await balance.getByText('40.00').first().waitFor();
      assert.match(await page.getByTestId('wallet-tx').first().innerText(), /订单支付[\s\S]*-160\.00/);

      // Bills: last month's statement, downloaded as CSV (UTF-8 with BOM for Excel).
      await page.getByRole('tab', { name: '账单' }).click();
      const picker = page.locator('.ant-picker input');
      await picker.click();
      await picker.fill(lastMonth());
      await picker.press('Enter');
      await page.getByRole('button', { name: '生成/查看' }).click();
      await page.getByTestId('bill-detail').waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bill-csv').click()]);
      const csv = readFileSync((await download.path())!);
      assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
      assert.ok(csv.length > 10, 'a CSV with its header');
      const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bill-pdf').click()]);
      assert.equal(
        readFileSync((await pdf.path())!)
          .subarray(0, 5)
          .toString('latin1'),
        '%PDF-',
      );
      await shot(page, 'bill');
    });
  });

  it('S5.9b S5.8c: a verified courier binds a WeChat payout account, withdraws with the fee shown first, and is notified when it is paid', async () => {
    await journey('wallet-courier', phone, async (page) => {
      await loginUi(page, COURIER, DEMO_PASSWORD);
      // Real-name verification first (the identity provider's dataset approves this name and number at once).
      await page.goto('/me/verification');
      await page.getByTestId('real-name').fill('李四');
      await page.getByTestId('id-number').fill('44030419900307123X');
      for (const side of ['front', 'back']) {
        await page.getByTestId(`upload-id-${side}`).setInputFiles({ name: `id-${side}.png`, mimeType: 'image/png', buffer: PNG });
        await page.locator(`[data-testid=upload-id-${side}-progress][data-done=true]`).waitFor();
      }
      await page.getByTestId('identity-submit').click();
      await page.getByTestId('identity-status').getByText('已通过实名认证').waitFor();
      await topUpByApi(page, 30_000);

      await page.goto('/wallet');
      await page.getByTestId('wallet-balance').getByText('300.00').first().waitFor();
      await page.getByRole('tab', { name: '收款账户' }).click();
      // A card number failing the Luhn check is refused in the server's words.
      await page.locator('.ant-radio-button-wrapper', { hasText: '银行卡' }).click();
      await page.getByLabel('银行卡号').fill('6222020200112233441');
      await page.getByLabel('开户银行').fill('中国工商银行');
      await page.getByTestId('holder-name').fill('李四');
      await page.getByRole('button', { name: /绑\s*定/ }).click();
      const refusal = page.getByTestId('account-error');
      await refusal.waitFor();
      assert.ok((await refusal.innerText()).length > 4, 'the server explains the refusal');
      await page.locator('.ant-radio-button-wrapper', { hasText: '微信零钱' }).click();
      await page.getByLabel('微信 OpenID').fill('o-e2e-courier-zhang-0001');
      await page.getByRole('button', { name: /绑\s*定/ }).click();
      await page.getByTestId('payout-account').first().waitFor();

      await page
        .getByRole('button', { name: /提\s*现/ })
        .first()
        .click();
      await page.getByTestId('withdraw-rules').waitFor();
      await page.getByTestId('withdraw-amount').fill('100');
      // 0.1 % of 100.00, rounded up to the fen, on top of the amount — shown before confirming.
      assert.match(await page.getByTestId('withdraw-fee').innerText(), /0\.10[\s\S]*100\.10/);
      await page.getByRole('button', { name: '下一步' }).click();
      await shot(page, 'withdraw-confirm');
      await page.getByRole('button', { name: '确认提现' }).click();
      await page.getByTestId('withdraw-result').waitFor();
      await page.getByRole('button', { name: '关 闭', exact: true }).click();

      // The channel pays out; the withdrawal turns "paid" and a notification says so.
      const row = page.getByTestId('wallet-withdrawal').first();
      await row.waitFor();
      for (let i = 0; i < 60 && !/已到账/.test(await row.innerText()); i++) {
        await emu.runDue();
        await page.waitForTimeout(500);
        if (i % 6 === 5) {
          await page.reload();
          await page.getByRole('tab', { name: '提现记录' }).click();
        }
      }
      assert.match(await row.innerText(), /已到账/);
      await page.getByTestId('wallet-balance').getByText('199.90').first().waitFor();
      await shot(page, 'withdrawn');
      await page.goto('/messages');
      await page.getByText('提现成功').first().waitFor();
    });
  });

  it('S5.9c: finance staff (password + TOTP) reconcile yesterday’s bill, resolve a wrong amount with a ledger adjustment and a reason, and answer a bill appeal', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    let tradeNo = '';
    await journey('wallet-finance-owner', phone, async (page) => {
      // Today the owner tops up ¥12.34; the channel's bill will say ¥12.84 (its switch), a discrepancy for tomorrow.
      await loginUi(page, OWNER, DEMO_PASSWORD);
      tradeNo = await topUpByApi(page, 1_234);
    });
    emu.setSwitches({ billAmountDeltaFen: { [tradeNo]: 50 } });
    // A day passes, on the platform and at the channel alike (dev clock; docs/operations.md).
    await emu.advance(DAY_MS);
    const moved = await fetch(`${server.url}/api/v1/dev/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: DAY_MS }),
    });
    assert.equal(moved.status, 200, await moved.text());

    await journey('wallet-finance-appeal', phone, async (page) => {
      // The owner disputes yesterday's top-up line of the day's bill, with a screenshot attached.
      await loginUi(page, OWNER, DEMO_PASSWORD);
      await page.goto('/wallet');
      await page.getByRole('tab', { name: '账单' }).click();
      await page.locator('.ant-radio-button-wrapper', { hasText: '日账单' }).click();
      const picker = page.locator('.ant-picker input');
      await picker.click();
      await picker.fill(today);
      await picker.press('Enter');
      await page.getByRole('button', { name: '生成/查看' }).click();
      const drawer = page.locator('.ant-drawer');
      const line = drawer.locator('.ant-list-item').filter({ hasText: '+12.34' });
      await line.getByRole('button', { name: '对此笔有异议' }).click();
      const modal = page.locator('.ant-modal').filter({ hasText: '对此笔有异议' });
      await modal.locator('textarea').fill('微信显示我付了 12.84 元，钱包只到账 12.34 元');
      await modal.locator('input[type=file]').setInputFiles({ name: '微信账单截图.png', mimeType: 'image/png', buffer: PNG });
      await modal.locator('.ant-upload-list-item-done').first().waitFor();
      await shot(page, 'appeal-attach');
      await modal.getByRole('button', { name: /确\s*定|OK/ }).click();
      await modal.waitFor({ state: 'hidden' });
      const mine = (await (await page.request.get('/api/v1/wallet/appeals')).json()) as {
        items: { lineAmountFen: number; attachments: { mime: string }[] }[];
      };
      assert.deepEqual(
        mine.items.find((a) => a.lineAmountFen === 1_234)?.attachments.map((a) => a.mime),
        ['image/png'],
      );
    });

    await journey('wallet-finance', desktop, async (page) => {
      await page.goto('/login');
      await page.getByTestId('identifier').fill(FINANCE);
      await page.getByTestId('password').fill(DEMO_PASSWORD);
      await page.getByTestId('login-submit').click();
      await page.getByTestId('totp').waitFor();
      await page.getByTestId('totp').fill(totp(STAFF_TOTP, Date.now() + DAY_MS)); // the server's clock is a day ahead
      await page.getByTestId('login-submit').click();
      await page.getByTestId('home-hero').waitFor();
      await page.goto('/finance');

      // Reconcile yesterday's WeChat Pay bill: the wrong amount lands in the queue.
      await page.getByRole('tab', { name: '对账记录' }).click();
      const picker = page.locator('.ant-picker input').first();
      await picker.click();
      await picker.fill(today);
      await picker.press('Enter');
      await page.getByTestId('recon-channel').getByText('微信支付').click();
      await page.getByRole('button', { name: '对账该日' }).click();
      await page.getByRole('cell', { name: today }).first().waitFor();
      await shot(page, 'finance-runs');

      await page.getByRole('tab', { name: '差异处理' }).click();
      const row = page.getByRole('row').filter({ hasText: tradeNo });
      await row.waitFor();
      await row.getByRole('button', { name: /处\s*理/ }).click();
      const modal = page.locator('.ant-modal');
      // The suggested fix is the difference, credited to the payer; finance writes why.
      assert.equal(await modal.locator('input[inputmode=decimal]').inputValue(), '0.50');
      await modal.getByLabel('原因（记入审计）').fill('渠道账单实收 12.84 元，本方记 12.34 元，补记差额');
      await shot(page, 'finance-resolve');
      await modal.getByRole('button', { name: /确\s*定|OK/ }).click();
      await modal.waitFor({ state: 'hidden' });
      await page.locator('.ant-radio-button-wrapper', { hasText: '已处理' }).first().click();
      await page.getByRole('row').filter({ hasText: tradeNo }).waitFor();

      // The owner's appeal about the same line: accepted without a second adjustment (already credited), with an explanation.
      await page.getByRole('tab', { name: '账单申诉' }).click();
      const appeal = page.getByRole('row').filter({ hasText: '12.84' });
      await appeal.waitFor();
      // The owner's screenshot is there for finance to open.
      const attachment = appeal.getByRole('link', { name: /附件 1/ });
      const file = await page.request.get((await attachment.getAttribute('href'))!);
      assert.deepEqual([file.status(), file.headers()['content-type']], [200, 'image/png']);
      assert.deepEqual(Buffer.from(await file.body()), PNG);
      await shot(page, 'finance-appeal-open');
      await appeal.getByRole('button').first().click();
      const decide = page.locator('.ant-modal');
      await decide.locator('.ant-radio-button-wrapper', { hasText: '不采纳' }).click();
      await decide.locator('textarea').fill('差额 0.50 元已在对账中补记到您的钱包，本申诉无需再调账');
      await decide.getByRole('button', { name: /确\s*定|OK/ }).click();
      await decide.waitFor({ state: 'hidden' });
      await shot(page, 'finance-appeals');
    });

    await journey('wallet-finance-result', phone, async (page) => {
      // The owner sees the correction in the wallet and the answer to the appeal in the message center.
      await loginUi(page, OWNER, DEMO_PASSWORD);
      await page.goto('/wallet');
      const tx = page.getByTestId('wallet-tx').first();
      await tx.waitFor();
      assert.match(await tx.innerText(), /\+0\.50/);
      await page.goto('/messages');
      await page.getByText(/申诉/).first().waitFor();
    });
  });

  it('S5.5b S5.9b: an owner posts an order and pays it through WeChat Pay on the channel’s page; the order shows as published and the balance is untouched', async () => {
    await journey('wallet-order-channel-pay', phone, async (page) => {
      await loginUi(page, OWNER, DEMO_PASSWORD);
      const orderId = await postOrderByApi(page, 24_000);
      const before = ((await (await page.request.get('/api/v1/wallet')).json()) as { availableFen?: number }).availableFen;

      await page.goto(`/orders/${orderId}`);
      await page.getByTestId('pay-countdown').waitFor();
      // Next to "pay from balance": the enabled channels.
      await page.getByTestId('pay-channel-alipay').waitFor();
      await page.getByTestId('pay-channel-wechat').click();
      const pay = page.getByTestId('order-pay-link');
      await pay.waitFor();
      await page.locator('.ant-qrcode').waitFor();
      await shot(page, 'order-channel-qr');
      const [payPage] = await Promise.all([page.context().waitForEvent('page'), pay.click()]);
      await payPage.waitForLoadState();
      assert.ok(payPage.url().startsWith(emu.url), 'the pay page is the channel’s, not ours');
      assert.match(await payPage.content(), /240\.00/);
      await payPage.locator('#pay').click();
      await payPage.waitForLoadState();
      await payPage.close();

      // Back in the app: without a reload the order turns published and the pay step goes away.
      await page.getByTestId('order-status').getByText('待接单').waitFor({ timeout: 20_000 });
      await page.getByTestId('order-pay-pending').waitFor({ state: 'detached' });
      assert.equal(await page.getByTestId('pay-order').count(), 0);
      await shot(page, 'order-channel-paid');
      const after = ((await (await page.request.get('/api/v1/wallet')).json()) as { availableFen?: number }).availableFen;
      assert.equal(after, before, 'paid from the channel, not the balance');
    });
  });
  it('S5.9c: later — once the month is over — the owner downloads that month’s bill with the top-up and the order payment in it', async () => {
    let period = '';
    await journey('wallet-owner-month-bill', phone, async (page) => {
      await loginUi(page, OWNER, DEMO_PASSWORD);
      // The month of the owner's top-up (China time), and the server moved past its end (dev clock).
      const tx = (await (await page.request.get('/api/v1/wallet/transactions?kind=topup&limit=100')).json()) as {
        items: { amountFen: number; createdAt: string }[];
      };
      const topUp = tx.items.find((x) => x.amountFen === 20_000)!;
      const at = new Date(Date.parse(topUp.createdAt) + 8 * 3600_000);
      period = at.toISOString().slice(0, 7);
      const nextMonth = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1) - 8 * 3600_000;
      const now = new Date(((await (await page.request.get('/api/v1/dev/clock')).json()) as { now: string }).now).getTime();
      const target = nextMonth + 12 * 3600_000;
      if (now < target) {
        const moved = await fetch(`${server.url}/api/v1/dev/clock`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ advanceMs: target - now }),
        });
        assert.equal(moved.status, 200, await moved.text());
      }
    });
    await journey('wallet-owner-month-bill-download', phone, async (page) => {
      await loginUi(page, OWNER, DEMO_PASSWORD);
      await page.goto('/wallet');
      await page.getByRole('tab', { name: '账单' }).click();
      const picker = page.locator('.ant-picker input');
      await picker.click();
      await picker.fill(period);
      await picker.press('Enter');
      await page.getByRole('button', { name: '生成/查看' }).click();
      const detail = page.getByTestId('bill-detail');
      await detail.waitFor();
      const drawer = page.locator('.ant-drawer');
      await drawer.getByText('+200.00').first().waitFor();
      await drawer.getByText('-160.00').first().waitFor();
      await shot(page, 'month-bill');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bill-csv').click()]);
      const csv = readFileSync((await download.path())!).toString('utf8');
      // Money in and out have their own columns (收入（元）, 支出（元）).
      assert.match(csv, /充值到账,200\.00,/);
      assert.match(csv, /订单支付[^\r\n]*,,160\.00,/);
      const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bill-pdf').click()]);
      assert.equal(
        readFileSync((await pdf.path())!)
          .subarray(0, 5)
          .toString('latin1'),
        '%PDF-',
      );
    });
  });
});
