/** Test fixtures for the stores and orders tests (not imported by production code). */
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import type { App } from '../src/platform/http.ts';
import type { Platform } from '../src/platform/platform.ts';
import { creditTopUp, getBalances } from '../src/modules/wallet/index.ts';
import { createOrdersModule } from '../src/modules/orders/index.ts';
import { platformPorts } from '../src/modules/orders/ports.ts';
import type { Actor } from '../src/platform/auth.ts';
import type { Module } from '../src/platform/module.ts';

/**
 * Test-only authentication: a request carrying `x-orders-test-actor` (JSON of an Actor with a
 * permission list) is treated as that actor. Registered after the real modules so it wins over the
 * accounts module's resolver; never part of the production module list. Lets the concurrency tests
 * make 50 couriers without 50 argon2 registrations; other tests use the real accounts flow.
 */
export const ordersTestActorModule: Module = {
  name: 'orders-test-actor',
  register(app) {
    app.addHook('preHandler', async (req) => {
      const raw = req.headers['x-orders-test-actor'];
      if (typeof raw !== 'string') return;
      const a = JSON.parse(raw) as Omit<Actor, 'permissions'> & { permissions: string[] };
      req.actor = { ...a, permissions: new Set(a.permissions) };
    });
  },
};

export interface FakeActor {
  userId: string;
  headers: Record<string, string>;
}

/** A person with both store-owner and courier permissions, like a self-registered person account. */
export function fakePerson(permissions: string[] = ['orders:post', 'orders:take']): FakeActor {
  const userId = randomUUID();
  const actor = { userId, kind: 'person', roles: [], permissions, sessionId: randomUUID() };
  return { userId, headers: { 'x-orders-test-actor': JSON.stringify(actor) } };
}

interface T {
  app: App;
  p: Platform;
}

/**
 * The orders module with the real wallet, and an eligibility check that lets through the couriers a
 * test marks as verified+certified (`eligible`) and asks the real identity/training gates for anyone else.
 * Posting and paying (S5.2) let every owner through except those in `gatedPosters`, who meet the real
 * identity gate.
 */
export function ordersModuleForTests(
  eligible: Set<string>,
  gatedPosters: ReadonlySet<string> = new Set(),
  /** Runs after a take's eligibility check, before its transaction: lets a test change the world in between. */
  hooks: { afterTakeCheck?: (userId: string) => Promise<void> } = {},
) {
  return createOrdersModule({
    ...platformPorts,
    async assertCanTake(p, db, o) {
      if (!eligible.has(o.userId)) await platformPorts.assertCanTake(p, db, o);
      await hooks.afterTakeCheck?.(o.userId);
    },
    async assertCanPost(p, db, o) {
      if (!gatedPosters.has(o.userId)) return;
      await platformPorts.assertCanPost(p, db, o);
    },
  });
}

/** A typical store in Shenzhen Nanshan (科技园). */
export const STORE_BODY = {
  name: '菜鸟驿站（南山科技园店）',
  brands: ['中通', '圆通'],
  regionCode: '440305',
  address: '深圳市南山区高新南一道 8 号',
  lat: 22.5405,
  lng: 113.9531,
  contactPhone: '13812345678',
};

export async function makeStore(t: T, owner: FakeActor, over: Partial<typeof STORE_BODY> = {}): Promise<string> {
  const r = await t.app.inject({ method: 'POST', url: '/api/v1/stores', headers: owner.headers, payload: { ...STORE_BODY, ...over } });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id as string;
}

/** Puts money on a user's wallet as a channel top-up would. */
export async function fund(t: T, userId: string, amountFen: number): Promise<void> {
  await t.p.db
    .transaction()
    .execute((tx) => creditTopUp(t.p, tx, { userId, channel: 'test', channelTradeNo: `${userId}-${Math.random()}`, amountFen }));
}

export const balance = async (t: T, userId: string) => (await getBalances(t.p.db, userId)).availableFen;

/** Posts an order (defaults: tomorrow 09:00–17:00 Shanghai relative to `start`, 240 CNY, station duty). */
export async function postOrder(t: T, owner: FakeActor, storeId: string, over: Record<string, unknown> = {}) {
  const now = t.p.clock.now().getTime();
  const startsAt = new Date(now + 23 * 3600_000).toISOString();
  const endsAt = new Date(now + 31 * 3600_000).toISOString();
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: owner.headers,
    payload: { storeId, typeCode: 'station_duty', startsAt, endsAt, payFen: 24000, description: '驿站值守，负责取件出库', ...over },
  });
}

/** Posts and pays an order; returns its id. */
export async function publishOrder(t: T, owner: FakeActor, storeId: string, over: Record<string, unknown> = {}): Promise<string> {
  const r = await postOrder(t, owner, storeId, over);
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().id as string;
  await fund(t, owner.userId, r.json().payFen as number);
  const pay = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/pay`, headers: owner.headers });
  assert.equal(pay.statusCode, 200, pay.body);
  assert.equal(pay.json().status, 'published');
  return id;
}

/** Notifications the message center was asked to send to a user (from the outbox). */
export async function notificationsFor(t: T, userId: string) {
  const rows = await t.p.db
    .selectFrom('outbox_events')
    .select(['payload'])
    .where('type', '=', 'messages.notification.requested')
    .orderBy('seq')
    .execute();
  return rows
    .map((r) => r.payload as { userId: string; title: { zh: string; en: string }; body: { zh: string }; params?: Record<string, string> })
    .filter((n) => n.userId === userId);
}
