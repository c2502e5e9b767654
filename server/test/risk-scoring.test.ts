import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCORING, levelOf, parseScoringConfig, percentile, scoreCases, severityOf } from '../src/modules/risk/scoring.ts';
import type { ArbitrationCase } from '../src/modules/risk/provider.ts';
import { runBatch } from '../src/modules/risk/lookup.ts';
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
});
