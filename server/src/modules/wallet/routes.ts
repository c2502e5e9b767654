import { requireAuth, actorOf } from '../../platform/auth.ts';
import type { App } from '../../platform/http.ts';
import { negotiateLocale } from '../../platform/i18n.ts';
import type { Platform } from '../../platform/platform.ts';
import { problems } from '../../platform/schemas.ts';
import { TransactionPage, TransactionsQuery, WalletView } from './schemas.ts';
import { getWallet, listTransactions } from './service.ts';

/** The wallet's HTTP surface for its owner. */
export function walletRoutes(app: App, p: Platform): void {
  app.get(
    '/api/v1/wallet',
    {
      schema: { tags: ['wallet'], summary: 'My wallet balance (available and held)', response: { 200: WalletView, ...problems(401) } },
      preHandler: [requireAuth],
    },
    async (req) => getWallet(p, actorOf(req)),
  );

  app.get(
    '/api/v1/wallet/transactions',
    {
      schema: {
        tags: ['wallet'],
        summary: 'My wallet transactions, newest first',
        querystring: TransactionsQuery,
        response: { 200: TransactionPage, ...problems(400, 401) },
      },
      preHandler: [requireAuth],
    },
    async (req) => listTransactions(p, actorOf(req), req.query, negotiateLocale(req.headers['accept-language'])),
  );
}
