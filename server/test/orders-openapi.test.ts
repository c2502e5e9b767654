import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';

describe('orders and stores in the OpenAPI document', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: TEST_ENV });
  });
  after(async () => t.close());

  it('S6.7: every orders, stores and complaints route is documented with its responses', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>>;
    };
    const ours = Object.entries(doc.paths).filter(([path]) =>
      /\/(orders|order-types|stores|regions|calendar|complaints|ratings|reliability)/.test(path),
    );
    assert.ok(ours.length >= 30, `only ${ours.length} paths`);
    for (const [path, methods] of ours) {
      for (const [method, op] of Object.entries(methods)) {
        assert.ok(op.tags?.length, `${method} ${path} has no tag`);
        assert.ok(
          Object.keys(op.responses).some((s) => s.startsWith('2')),
          `${method} ${path} has no success response`,
        );
      }
    }
  });
});
