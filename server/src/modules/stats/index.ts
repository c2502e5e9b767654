import type { Module } from '../../platform/module.ts';
import { refreshRollups, STATS_REFRESH_JOB } from './rollups.ts';
import { statsRoutes } from './routes.ts';

/**
 * Statistics and analysis (issue 7; S6.2): a store owner's month and a courier's week read orders and
 * the ledger through indexes; the platform analysis (fill rate, time to fill, GMV, retention) reads
 * rollups a job keeps up to date every minute. Read-only over other modules' tables.
 */
export const statsModule: Module = {
  name: 'stats',
  register(app, p) {
    statsRoutes(app, p);
    p.jobs.define(STATS_REFRESH_JOB, async () => void (await refreshRollups(p)), { cron: '* * * * *', retryLimit: 1 });
  },
};
