import type { Module } from '../platform/module.ts';
import { accountsModule } from './accounts/index.ts';
import { messagesModule } from './messages/index.ts';
import { identityModule } from './identity/index.ts';
import { trainingModule } from './training/index.ts';
import { walletModule } from './wallet/index.ts';
import { storesModule } from './stores/index.ts';
import { ordersModule } from './orders/index.ts';
import { riskModule } from './risk/index.ts';
import { statsModule } from './stats/index.ts';

/** Every module of the platform, in registration order. */
export const modules: Module[] = [
  accountsModule,
  messagesModule,
  identityModule,
  trainingModule,
  walletModule,
  storesModule,
  ordersModule,
  riskModule,
  statsModule,
];
