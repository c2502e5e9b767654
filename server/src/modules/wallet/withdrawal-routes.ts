import { Type } from 'typebox';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { IdempotencyHeaders, IdParams, Ok, problems, Timestamp, Uuid } from '../../platform/schemas.ts';
import {
  bindPayoutAccount,
  getWithdrawal,
  listPayoutAccounts,
  listWithdrawals,
  removePayoutAccount,
  requestWithdrawal,
  WITHDRAWAL_RULES,
  type WithdrawalDeps,
} from './withdrawals.ts';

const PayoutAccountView = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('wechat'), Type.Literal('bank_card')]),
  accountMasked: Type.String(),
  bankName: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});
const BindBody = Type.Union([
  Type.Object({ kind: Type.Literal('wechat'), openid: Type.String({ minLength: 6, maxLength: 64 }) }),
  Type.Object({
    kind: Type.Literal('bank_card'),
    cardNo: Type.String({ minLength: 12, maxLength: 23 }),
    bankName: Type.String({ minLength: 2, maxLength: 40 }),
    holderName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, description: 'Card holder name (the bank checks it); needed for payouts to the card' }),
    ),
  }),
]);
const WithdrawalView = Type.Object({
  id: Uuid,
  amountFen: Type.Integer(),
  feeFen: Type.Integer(),
  status: Type.Union([Type.Literal('requested'), Type.Literal('submitted'), Type.Literal('paid'), Type.Literal('failed')]),
  payoutAccountId: Uuid,
  failReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
const WithdrawBody = Type.Object({ amountFen: Type.Integer({ minimum: 1 }), payoutAccountId: Uuid });
const RulesView = Type.Object({
  minFen: Type.Integer(),
  maxFen: Type.Integer(),
  dailyMaxFen: Type.Integer(),
  feePerMille: Type.Integer({ description: 'Fee in ‰ of the amount, rounded up to the fen, paid on top' }),
});

/** Bound payout accounts and withdrawals (S5.9b). */
export function withdrawalRoutes(app: App, p: Platform, d: WithdrawalDeps): void {
  const auth = { preHandler: [requireAuth] };
  app.get(
    '/api/v1/wallet/withdrawal-rules',
    { schema: { tags: ['wallet'], summary: 'Withdrawal limits and fee rule', response: { 200: RulesView, ...problems(401) } }, ...auth },
    async () => WITHDRAWAL_RULES,
  );
  app.get(
    '/api/v1/wallet/payout-accounts',
    {
      schema: {
        tags: ['wallet'],
        summary: 'My bound payout accounts (masked)',
        response: { 200: Type.Object({ items: Type.Array(PayoutAccountView) }), ...problems(401) },
      },
      ...auth,
    },
    async (req) => ({ items: await listPayoutAccounts(p, actorOf(req)) }),
  );
  app.post(
    '/api/v1/wallet/payout-accounts',
    {
      schema: {
        tags: ['wallet'],
        summary: 'Bind a WeChat account or a bank card for payouts',
        body: BindBody,
        response: { 201: PayoutAccountView, ...problems(400, 401) },
      },
      ...auth,
    },
    async (req, reply) => reply.code(201).send(await bindPayoutAccount(p, actorOf(req), req.body)),
  );
  app.delete(
    '/api/v1/wallet/payout-accounts/:id',
    {
      schema: { tags: ['wallet'], summary: 'Unbind a payout account', params: IdParams, response: { 200: Ok, ...problems(401, 404) } },
      ...auth,
    },
    async (req) => {
      await removePayoutAccount(p, actorOf(req), req.params.id);
      return { ok: true as const };
    },
  );
  app.post(
    '/api/v1/wallet/withdrawals',
    {
      schema: {
        tags: ['wallet'],
        summary: 'Withdraw to a bound account (real-name verification required; amount + fee held until paid out)',
        headers: IdempotencyHeaders,
        body: WithdrawBody,
        response: { 201: WithdrawalView, ...problems(400, 401, 403, 404, 409, 422, 503) },
      },
      ...auth,
    },
    async (req, reply) =>
      reply.code(201).send(await requestWithdrawal(p, d, actorOf(req), { ...req.body, idempotencyKey: req.headers['idempotency-key'] })),
  );
  app.get(
    '/api/v1/wallet/withdrawals',
    {
      schema: {
        tags: ['wallet'],
        summary: 'My withdrawals, newest first',
        response: { 200: Type.Object({ items: Type.Array(WithdrawalView) }), ...problems(401) },
      },
      ...auth,
    },
    async (req) => ({ items: await listWithdrawals(p, actorOf(req)) }),
  );
  app.get(
    '/api/v1/wallet/withdrawals/:id',
    {
      schema: {
        tags: ['wallet'],
        summary: 'One of my withdrawals',
        params: IdParams,
        response: { 200: WithdrawalView, ...problems(401, 404) },
      },
      ...auth,
    },
    async (req) => getWithdrawal(p, actorOf(req), req.params.id),
  );
}
