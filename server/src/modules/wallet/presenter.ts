import type { Locale } from '../../platform/i18n.ts';
import { KIND_LABELS, type TransferKind } from './ledger.ts';
import type { TransactionView } from './schemas.ts';

/** Row → API shape for a wallet movement; carries only what the owner may see. */
export function presentTransaction(
  r: {
    id: number;
    transfer_id: string;
    kind: string;
    account_kind: string;
    amount_fen: number;
    balance_after_fen: number;
    memo: Record<string, unknown>;
    created_at: Date;
  },
  locale: Locale,
): TransactionView {
  const kind = r.kind as TransferKind;
  const label = KIND_LABELS[kind] ?? { zh: r.kind, en: r.kind };
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: String(r.id),
    transferId: r.transfer_id,
    kind,
    label: locale === 'en-US' ? label.en : label.zh,
    account: r.account_kind === 'user_held' ? 'held' : 'available',
    amountFen: r.amount_fen,
    balanceAfterFen: r.balance_after_fen,
    orderId: str(r.memo.orderId),
    payoutId: str(r.memo.payoutId),
    createdAt: r.created_at.toISOString(),
  };
}
