import type { Module } from '../../platform/module.ts';
import { registerObligationCheck } from '../accounts/index.ts';
import type { Platform } from '../../platform/platform.ts';
import { walletRoutes } from './routes.ts';
import { channelRoutes } from './channel-routes.ts';
import type { PaymentChannel } from './channels/channel.ts';
import { configuredChannels } from './channels/configured.ts';
import { startDevEmulatorIfNeeded } from './channels/dev-emulator.ts';
import { checkTopUp, TOPUP_CHECK_JOB } from './topups.ts';
import { requireVerified } from '../identity/index.ts';
import { withdrawalRoutes } from './withdrawal-routes.ts';
import { checkWithdrawal, submitWithdrawal, WITHDRAWAL_CHECK_JOB, WITHDRAWAL_SUBMIT_JOB, type WithdrawalDeps } from './withdrawals.ts';
import { walletObligations } from './service.ts';
import { financeRoutes } from './finance-routes.ts';
import { billRoutes } from './bill-routes.ts';
import { REFUND_SUBMIT_JOB, setChannelDeps, submitRefund } from './order-payments.ts';
import { generateMonthlyStatements, STATEMENTS_MONTHLY_CRON, STATEMENTS_MONTHLY_JOB } from './statements.ts';
import { previousChinaDay, reconcileDay, RECONCILE_CRON, RECONCILE_DAILY_JOB } from './reconciliation.ts';
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
  adjustEscrow,
  releaseEscrow,
  refundEscrow,
  refundEscrowToChannel,
  refundEscrowSplit,
  payFromEscrow,
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
export { ChannelError, type PaymentChannel, type ChannelPayment, type ChannelNotification, type PayoutKind } from './channels/channel.ts';
export { AlipayChannel, type AlipayConfig } from './channels/alipay.ts';
export { WechatPayChannel, type WechatPayConfig } from './channels/wechatpay.ts';
export { checkTopUp, confirmPaid, TOPUP_TTL_MS, type TopUpView } from './topups.ts';
export {
  reconcileDay,
  resolveDiscrepancy,
  listDiscrepancies,
  parseTradeBill,
  RECONCILE_DAILY_JOB,
  type ReconRunView,
  type DiscrepancyView,
} from './reconciliation.ts';
export { generateStatement, generateMonthlyStatements, periodBounds, type StatementSummary, type StatementLine } from './statements.ts';
export { fileAppeal, decideAppeal, APPEAL_DECISION_MS, type AppealView } from './appeals.ts';
export {
  createOrderPayment,
  refundOrderToChannel,
  payOrderThroughChannel,
  enabledChannels,
  refundOrderPaymentToChannel,
  closeOrderPaymentsAtChannel,
  refundOrderEscrow,
  isChannelPaidOrder,
  submitRefund,
  ORDER_PAYMENT_PAID,
  type OrderPaymentPaid,
  type RefundView,
  type EscrowReturn,
} from './order-payments.ts';
export { submitWithdrawal, checkWithdrawal, withdrawalFee, WITHDRAWAL_RULES, luhnValid, type WithdrawalView } from './withdrawals.ts';

export interface WalletModuleOptions {
  /** The enabled payment channels, the default first (default: from configuration, `configuredChannels`). */
  channels?: (p: Platform) => PaymentChannel[];
  /** One payment channel (shorthand for `channels` with one); without any, top-up answers PAYMENT_CHANNEL_UNAVAILABLE. */
  channel?: (p: Platform) => PaymentChannel | undefined;
  /** Public base URL the channel calls back (default: the platform's PUBLIC_URL). */
  notifyBaseUrl?: (p: Platform) => string;
  /** Real-name check before payouts (default: the identity module's requireVerified). */
  requireVerified?: WithdrawalDeps['requireVerified'];
}

/** The wallet module, with its payment channel chosen by the caller (tests pass one pointing at the emulator). */
export function createWalletModule(o: WalletModuleOptions = {}): Module {
  return {
    name: 'wallet',
    async register(app, p) {
      const deps: WithdrawalDeps = {
        requireVerified: o.requireVerified ?? requireVerified,
        channels: o.channels ? o.channels(p) : o.channel ? [o.channel(p)].filter((c) => !!c) : [],
        notifyUrl: (name) => `${(o.notifyBaseUrl?.(p) ?? p.config.publicUrl).replace(/\/$/, '')}/api/v1/wallet/channels/${name}/notify`,
      };
      walletRoutes(app, p);
      await channelRoutes(app, p, deps);
      withdrawalRoutes(app, p, deps);
      financeRoutes(app, p, deps);
      billRoutes(app, p);
      setChannelDeps(p, deps);
      p.jobs.define<{ refundId: string }>(
        REFUND_SUBMIT_JOB,
        async ({ refundId }) => {
          const r = await submitRefund(p, deps, refundId);
          if (r.status === 'processing') throw new Error('refund still processing at the channel; retrying');
        },
        { retryLimit: 30 },
      );
      // S5.9c: monthly statements for every wallet, after the month's last reconciliation.
      p.jobs.define(
        STATEMENTS_MONTHLY_JOB,
        async () => {
          await generateMonthlyStatements(p);
        },
        { cron: STATEMENTS_MONTHLY_CRON },
      );
      // S5.9c: every morning, reconcile yesterday's trade bill and payouts of each enabled channel.
      p.jobs.define(
        RECONCILE_DAILY_JOB,
        async () => {
          for (const channel of deps.channels) await reconcileDay(p, channel, previousChinaDay(p.clock.now()));
        },
        { cron: RECONCILE_CRON },
      );
      p.jobs.define<{ paymentId: string }>(TOPUP_CHECK_JOB, async ({ paymentId }) => {
        await checkTopUp(p, deps, paymentId);
      });
      p.jobs.define<{ withdrawalId: string }>(WITHDRAWAL_SUBMIT_JOB, async ({ withdrawalId }) => {
        await submitWithdrawal(p, deps, withdrawalId);
      });
      p.jobs.define<{ withdrawalId: string }>(
        WITHDRAWAL_CHECK_JOB,
        async ({ withdrawalId }) => {
          const w = await checkWithdrawal(p, deps, withdrawalId);
          if (w?.status === 'submitted') throw new Error('payout still processing at the channel; retrying');
        },
        { retryLimit: 30 },
      );
      // S5.3b: money left in the wallet or a payout in flight blocks account cancellation.
      registerObligationCheck('wallet', walletObligations);
    },
    async onReady(p) {
      if (o.channels === configuredChannels) await startDevEmulatorIfNeeded(p);
    },
  };
}

/** The wallet with the configured channels (WeChat Pay and Alipay; the emulator in development). */
export const walletModule: Module = createWalletModule({ channels: configuredChannels });
