import type { Module } from '../../platform/module.ts';
import { registerObligationCheck } from '../accounts/index.ts';
import { walletRoutes } from './routes.ts';
import { walletObligations } from './service.ts';
import './errors.ts';

/**
 * The wallet's public surface. Other modules move money only through these functions, each on their
 * own transaction (`tx`), so the business change and its ledger postings commit together.
 */
export {
  Accounts,
  postTransfer,
  creditTopUp,
  credit,
  debit,
  adjustBalance,
  reverseTransfer,
  holdToEscrow,
  releaseEscrow,
  refundEscrow,
  holdForPayout,
  settlePayout,
  voidPayout,
  getBalances,
  findHold,
  type HoldView,
  type TransferResult,
  type TransferKind,
} from './ledger.ts';
export { verifyLedger, type LedgerReport, type LedgerViolation } from './verify.ts';
export { walletObligations } from './service.ts';
export { WalletErrors } from './errors.ts';

export const walletModule: Module = {
  name: 'wallet',
  register(app, p) {
    walletRoutes(app, p);
    // S5.3b: money left in the wallet or a payout in flight blocks account cancellation.
    registerObligationCheck('wallet', walletObligations);
  },
};
