/** Fen (integer) shown as yuan with two decimals: 12345 → "123.45". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** "123.45" (what a person types) → 12345 fen; undefined when it is not a positive amount with at most 2 decimals. */
export function toFen(text: string | number | null | undefined): number | undefined {
  const s = String(text ?? '').trim();
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return undefined;
  const [whole, frac = ''] = s.split('.');
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return fen > 0 && Number.isSafeInteger(fen) ? fen : undefined;
}

/** The withdrawal fee: per-mille of the amount, rounded up to the fen (the server's rule, shown before confirming). */
export const feeFor = (amountFen: number, feePerMille: number): number => Math.ceil((amountFen * feePerMille) / 1000);
