import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCORING, levelOf, parseScoringConfig, percentile, scoreCases, severityOf } from '../src/modules/risk/scoring.ts';
import type { ArbitrationCase } from '../src/modules/risk/provider.ts';
import { ArbitrationLookup, runBatch } from '../src/modules/risk/lookup.ts';
import { createRiskMetrics } from '../src/modules/risk/metrics.ts';
import { signedWebhookUrl, webhookPayload } from '../src/modules/risk/service.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { MemoryStore } from '../src/platform/kv.ts';
import { Metrics } from '../src/platform/metrics.ts';
import { createHmac } from 'node:crypto';
import { yuanToFen } from '../src/modules/risk/client.ts';
import { batchCsv, parseCodesCsv } from '../src/modules/risk/presenter.ts';
import { normaliseCreditCode } from '../src/modules/risk/credit-code.ts';

const now = new Date('2026-11-23T04:00:00Z');
const c = (filedDate: string, yuan: number, result: 'win' | 'lose', executed = true): ArbitrationCase => ({
  caseNo: `${filedDate}-${yuan}`,
  title: 't',
  filedDate,
  amountFen: Math.round(yuan * 100),
  result,
  executed,
});
const points = (r: ReturnType<typeof scoreCases>) => Object.fromEntries(r.deductions.map((d) => [d.rule, d.points]));

describe('risk scoring (A3)', () => {
  it('A3: a company without cases scores 100 with no deductions', () => {
    const r = scoreCases([], now);
    assert.equal(r.score, 100);
    assert.deepEqual(points(r), { recent_cases: 0, amount: 0, lose_rate: 0, unexecuted: 0 });
  });

  it('A3: two recent won cases of 10,000 and 5,000 CNY score 55 (−40 cases, −5 amount)', () => {
    const r = scoreCases([c('2026-10-01', 10_000, 'win'), c('2026-01-15', 5_000, 'win')], now);
    assert.deepEqual(points(r), { recent_cases: 40, amount: 5, lose_rate: 0, unexecuted: 0 });
    assert.equal(r.score, 55);
  });

  it('A3: hand-computed mix — windows, full steps, lose rate and unexecuted awards', () => {
    const cases = [
      c('2026-09-01', 30_000, 'lose', false), // recent; history; lost; unexecuted
      c('2026-03-15', 12_500.5, 'win'), // recent; history
      c('2024-06-01', 8_000, 'lose', true), // history only; lost, executed
      c('2021-01-10', 100_000, 'lose', false), // outside the 36-month history; still unexecuted
    ];
    const r = scoreCases(cases, now);
    // recent: 2 × 20; amount: 50,500.50 CNY → 5 full steps × 5; lost 2 of 3 = 66 % → 6 × 15; unexecuted 2 × 25
    assert.deepEqual(points(r), { recent_cases: 40, amount: 25, lose_rate: 90, unexecuted: 50 });
    assert.equal(r.rawScore, -105);
    assert.equal(r.score, 0);
    const lose = r.deductions.find((d) => d.rule === 'lose_rate')!;
    assert.deepEqual(lose.basis, { lostCases: 2, cases: 3, lostPercent: 67 });
  });

  it('A3: the amount deduction is capped at 150', () => {
    const r = scoreCases([c('2023-12-01', 5_000_000, 'win')], now);
    assert.equal(points(r).amount, 150);
    assert.equal(r.score, 0);
  });

  it('A3: a case filed exactly 12 months ago no longer counts as recent', () => {
    assert.equal(points(scoreCases([c('2025-11-23', 1, 'win')], now)).recent_cases, 0);
    assert.equal(points(scoreCases([c('2025-11-24', 1, 'win')], now)).recent_cases, 20);
  });

  it('A3: weights and windows come from configuration', () => {
    const cfg = parseScoringConfig('{"perRecentCase": 10, "recentWindowMonths": 24}');
    assert.equal(cfg.perUnexecutedCase, DEFAULT_SCORING.perUnexecutedCase);
    assert.equal(points(scoreCases([c('2025-06-01', 1, 'win')], now, cfg)).recent_cases, 10);
    assert.throws(() => parseScoringConfig('{"nope": 1}'), /unknown key/);
  });

  it('A7: urgent below 40, warning below the threshold, levels high/medium/low', () => {
    assert.equal(severityOf(39, 60, 40), 'urgent');
    assert.equal(severityOf(40, 60, 40), 'warning');
    assert.equal(severityOf(59, 60, 40), 'warning');
    assert.equal(severityOf(60, 60, 40), undefined);
    assert.equal(severityOf(65, 70, 40), 'warning'); // a dynamic threshold of 70
    assert.equal(levelOf(10, 60, 40), 'high');
    assert.equal(levelOf(50, 60, 40), 'medium');
    assert.equal(levelOf(80, 60, 40), 'low');
  });

  it('A8: percentile by linear interpolation', () => {
    assert.equal(percentile([0, 10, 20, 30, 40], 25), 10);
    assert.equal(percentile([100, 0], 50), 50);
  });
});

describe('risk helpers', () => {
  it('A2: a batch never has more than the limit in flight and reports per-code errors', async () => {
    let inFlight = 0;
    let max = 0;
    const out = await runBatch(
      Array.from({ length: 23 }, (_, i) => String(i)),
      5,
      async (code) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        if (code === '7') throw new Error('boom');
        return Number(code);
      },
    );
    assert.equal(max, 5);
    assert.equal(out.length, 23);
    assert.deepEqual(out[3], { creditCode: '3', ok: true, value: 3 });
    assert.equal(out[7]!.ok, false);
  });

  it('A1: provider amounts convert to fen exactly', () => {
    assert.equal(yuanToFen('0.29'), 29);
    assert.equal(yuanToFen('12345.6'), 1234560);
    assert.equal(yuanToFen(19.99), 1999);
  });

  it('A2: CSV in and out (BOM, header, quoting, formula guard)', () => {
    assert.deepEqual(parseCodesCsv('\uFEFFcredit_code\r\n91350100M000100Y43,x\n\n"914403001922038216"\n'), [
      '91350100M000100Y43',
      '914403001922038216',
    ]);
    const csv = batchCsv([{ creditCode: '=1+1', ok: false, error: { code: 'X', detail: 'a "q"' } }]);
    assert.ok(csv.startsWith('\uFEFF"credit_code"'));
    assert.match(csv, /"'=1\+1","error",.*"a ""q"""/);
  });

  it('A6: credit codes are checked locally (GB 32100)', () => {
    assert.equal(normaliseCreditCode(' 91350100m000100y43 '), '91350100M000100Y43');
    assert.equal(normaliseCreditCode('91350100M000100Y44'), undefined);
  });

  it('A4: a lookup whose L2 read outlasts another caller’s whole provider call takes the answer from L1 — still one call', async () => {
    const clock = new ManualClock('2026-11-23T04:00:00Z');
    const store = new MemoryStore(() => clock.now().getTime());
    let reads = 0;
    let releaseSlowRead: () => void = () => {};
    const slowRead = new Promise<void>((r) => (releaseSlowRead = r));
    const slowStore = Object.assign(Object.create(store) as MemoryStore, {
      // The second caller's L2 read answers (a miss) only after the first caller's provider call is over.
      get: async (key: string) => {
        if (++reads === 2) await slowRead;
        return store.get(key);
      },
    });
    let calls = 0;
    const lookup = new ArbitrationLookup({
      source: {
        query: async (creditCode) => {
          calls++;
          return { found: true, record: { creditCode, companyName: 'x', cases: [], fetchedAt: clock.now().toISOString() } };
        },
      },
      clock,
      metrics: createRiskMetrics(new Metrics()),
      redis: undefined,
      store: slowStore,
      keyPrefix: 'k:',
      ttlMs: 300_000,
      notFoundTtlMs: 60_000,
      localMax: 10,
      localTtlMs: 60_000,
    });
    const a = lookup.get('C');
    const b = lookup.get('C');
    await a;
    releaseSlowRead();
    await b;
    assert.equal(calls, 1);
  });

  it('A7: WeCom and DingTalk robot messages carry severity, company, score, case count, amount and latest case', () => {
    const alert = {
      severity: 'urgent',
      company_name: '杭州捷迅快递服务有限公司',
      credit_code: '91330100MA2B00001X',
      score: 15,
      threshold: 60,
      case_count: 3,
      total_amount_fen: 5_050_050,
      latest_case: c('2026-09-01', 30_000, 'lose', false),
      reason: 'below_threshold',
    };
    const wecom = webhookPayload('wecom', alert) as { msgtype: string; markdown: { content: string } };
    const ding = webhookPayload('dingtalk', alert) as { msgtype: string; markdown: { title: string; text: string } };
    assert.equal(wecom.msgtype, 'markdown');
    assert.equal(ding.msgtype, 'markdown');
    assert.equal(ding.markdown.title, '【紧急】用工风险预警 杭州捷迅快递服务有限公司');
    for (const text of [wecom.markdown.content, ding.markdown.text]) {
      assert.match(text, /风险评分：\*\*15\*\*（阈值 60）/);
      assert.match(text, /仲裁次数：3/);
      assert.match(text, /涉案金额：50500\.50 元/);
      assert.match(text, /最新案件：t（2026-09-01）/);
    }
  });

  it('A7: a DingTalk robot with a signing secret (加签) gets timestamp and HMAC-SHA256 sign on its URL', () => {
    const url = 'https://oapi.dingtalk.com/robot/send?access_token=abc';
    assert.equal(signedWebhookUrl(url, undefined, 1), url);
    const signed = new URL(signedWebhookUrl(url, 'SECxyz', 1_795_406_400_000));
    assert.equal(signed.searchParams.get('access_token'), 'abc');
    assert.equal(signed.searchParams.get('timestamp'), '1795406400000');
    const expected = createHmac('sha256', 'SECxyz').update('1795406400000\nSECxyz').digest('base64');
    assert.equal(signed.searchParams.get('sign'), expected);
  });
});
