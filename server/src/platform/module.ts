import type { App } from './http.ts';
import type { Platform } from './platform.ts';

/**
 * A business capability (accounts, orders, wallet…). `register` declares its routes, jobs and event
 * subscriptions before the platform starts; `onReady` runs once migrations are applied and jobs run.
 */
export interface Module {
  name: string;
  register(app: App, p: Platform): void | Promise<void>;
  onReady?(p: Platform, app: App): void | Promise<void>;
}
