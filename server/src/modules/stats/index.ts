import type { Module } from '../../platform/module.ts';
import { JOB_BUDGET_MS, refreshRollups, STATS_REFRESH_JOB } from './rollups.ts';
import { statsRoutes } from './routes.ts';

/**
 * Statistics and analysis (issue 7; S6.2): a store owner's month and a courier's week read orders and
 * the ledger through indexes; the platform analysis (fill rate, time to fill, GMV, retention) reads
 * rollups a job keeps up to date every minute, in small throttled steps within a time budget (the days
 * left wait for the next minute). Read-only over other modules' tables.
 */
export const statsModule: Module = {
  name: 'stats',
  register(app, p) {
    statsRoutes(app, p);
    p.jobs.define(STATS_REFRESH_JOB, async () => void (await refreshRollups(p, { budgetMs: JOB_BUDGET_MS })), {
      cron: '* * * * *',
      retryLimit: 1,
    });
  },
};
