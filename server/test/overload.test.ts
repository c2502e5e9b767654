import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { createTestApp, type TestApp } from './helpers.ts';

describe('load shedding', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ modules: [], env: { MAX_EVENT_LOOP_DELAY_MS: '50' } });
  });
  after(async () => t.close());

  it('S6.4b: when the event loop lags, requests are refused with 503 + Retry-After instead of queuing up', async () => {
    // Real lag, not a clock: block the loop the way an overload would, then let the monitor sample it.
    let shed: Awaited<ReturnType<typeof t.app.inject>> | undefined;
    for (let attempt = 0; attempt < 5 && !shed; attempt++) {
      const until = Date.now() + 600;
      while (Date.now() < until) {
        /* busy */
      }
      await delay(20);
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/anything', headers: { 'accept-language': 'en-US' } });
      if (res.statusCode === 503) shed = res;
    }
    assert.ok(shed, 'no request was shed');
    assert.equal(shed.headers['retry-after'], '5');
    assert.equal(shed.json().code, 'OVERLOADED');
    assert.match(shed.headers['content-type'] as string, /problem\+json/);
  });
});
