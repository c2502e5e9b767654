import type { Module } from '../platform/module.ts';
import { messagesModule } from './messages/index.ts';
import { identityModule } from './identity/index.ts';
import { walletModule } from './wallet/index.ts';

/** Every module of the platform, in registration order. */
export const modules: Module[] = [messagesModule, identityModule, walletModule];
