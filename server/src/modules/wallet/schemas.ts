import { Type, type Static } from 'typebox';
import { PageQuery, Timestamp } from '../../platform/schemas.ts';
import { TRANSFER_KINDS, type TransferKind as TransferKindName } from './ledger.ts';

/** A user's wallet: what they can spend and what is held for open withdrawals (S5.9a). */
export const WalletView = Type.Object({
  currency: Type.Literal('CNY'),
  availableFen: Type.Integer({ description: 'Spendable balance in fen' }),
  heldFen: Type.Integer({ description: 'Held for withdrawals in flight, in fen' }),
  totalFen: Type.Integer(),
  pendingPayouts: Type.Integer({ description: 'Withdrawals not yet paid out or returned' }),
});
export type WalletView = Static<typeof WalletView>;

export const TransferKind = Type.Union([
  Type.Literal('topup'),
  Type.Literal('escrow_hold'),
  Type.Literal('escrow_release'),
  Type.Literal('escrow_refund'),
  Type.Literal('payout_hold'),
  Type.Literal('payout_settle'),
  Type.Literal('payout_void'),
  Type.Literal('adjustment'),
  Type.Literal('reversal'),
]);
// Keep the schema and the ledger's list of kinds in step.
const _kindsMatch: Static<typeof TransferKind> extends TransferKindName
  ? TransferKindName extends Static<typeof TransferKind>
    ? true
    : never
  : never = true;
void _kindsMatch;
void TRANSFER_KINDS;

/** One movement on the user's wallet (a posting on their available or held account). */
export const TransactionView = Type.Object({
  id: Type.String({ description: 'Posting id' }),
  transferId: Type.String({ format: 'uuid' }),
  kind: TransferKind,
  label: Type.String({ description: 'The kind in the negotiated language' }),
  account: Type.Union([Type.Literal('available'), Type.Literal('held')]),
  amountFen: Type.Integer({ description: 'Signed: positive is money in' }),
  balanceAfterFen: Type.Integer(),
  orderId: Type.Union([Type.String(), Type.Null()]),
  payoutId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});
export type TransactionView = Static<typeof TransactionView>;

export const TransactionsQuery = Type.Object({
  kind: Type.Optional(TransferKind),
  direction: Type.Optional(Type.Union([Type.Literal('in'), Type.Literal('out')])),
  account: Type.Optional(Type.Union([Type.Literal('available'), Type.Literal('held')])),
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  ...PageQuery,
});
export type TransactionsQuery = Static<typeof TransactionsQuery>;

export const TransactionPage = Type.Object({
  items: Type.Array(TransactionView),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
