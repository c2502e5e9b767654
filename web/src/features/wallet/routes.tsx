import { Route } from 'react-router';
import type { Me } from '../../app/session.tsx';
import { WalletPage } from './WalletPage.tsx';
import { FinancePage } from './FinancePage.tsx';
import { RiskPage } from '../risk/RiskPage.tsx';

/** Wallet (users with wallet:use), finance console (finance:read) and risk console (risk:read); the server checks again. */
export function MoneyRoutes(me: Me) {
  const perms = new Set<string>(me.permissions);
  return (
    <>
      {me.kind !== 'staff' && perms.has('wallet:use') && <Route path="/wallet" element={<WalletPage />} />}
      {me.kind === 'staff' && perms.has('finance:read') && <Route path="/finance" element={<FinancePage />} />}
      {me.kind === 'staff' && perms.has('risk:read') && <Route path="/risk" element={<RiskPage />} />}
    </>
  );
}
