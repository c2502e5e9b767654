/**
 * The database as Kysely sees it: the union of every module's own tables. Each module declares its
 * tables in its `tables.ts`; only that module's repo queries them.
 */
import type { PlatformTables } from './platform/tables.ts';
import type { RiskTables } from './modules/risk/tables.ts';
import type { AccountsTables } from './modules/accounts/tables.ts';
import type { MessagesTables } from './modules/messages/tables.ts';
import type { IdentityTables } from './modules/identity/tables.ts';
import type { TrainingTables } from './modules/training/tables.ts';
import type { WalletTables } from './modules/wallet/tables.ts';
import type { StoresTables } from './modules/stores/tables.ts';
import type { OrdersTables } from './modules/orders/tables.ts';

export interface DB
  extends
    PlatformTables,
    RiskTables,
    AccountsTables,
    MessagesTables,
    IdentityTables,
    TrainingTables,
    WalletTables,
    StoresTables,
    OrdersTables {}
