import type { Module } from '../../platform/module.ts';
import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import type { Executor, Tx } from '../../platform/db.ts';
import './errors.ts';
import { HttpArbitrationClient } from './client.ts';
import { normaliseCreditCode } from './credit-code.ts';
import { ArbitrationLookup } from './lookup.ts';
import { createRiskMetrics } from './metrics.ts';
import type { ArbitrationSource } from './provider.ts';
import { riskRoutes } from './routes.ts';
import { parseScoringConfig } from './scoring.ts';
import * as svc from './service.ts';
import { deleteWatchRequest } from './repo.ts';
import * as holds from './holds.ts';
import type { LiveStoreCompanies, RiskDeps, RiskStaffDirectory } from './service.ts';

export type { ArbitrationSource, ArbitrationRecord, ArbitrationCase, LookupResult } from './provider.ts';
export type { RiskLevel } from './scoring.ts';
export type { RiskStaffDirectory } from './service.ts';
export { requestCompanyCheck, ALERT_RAISED } from './service.ts';
export { openOrderHold, registerHeldOrderDecider, type HeldOrderDecider, type HeldOrderFacts } from './holds.ts';

/** Weekly jobs (cron in Asia/Shanghai): benchmark threshold on Monday 03:00, watched companies at 04:00. */
export const RISK_JOBS = {
  recomputeThreshold: 'risk.threshold.recompute',
  refreshWatched: 'risk.watched.refresh',
  checkCompany: 'risk.company.check',
} as const;

export interface RiskModuleOptions {
  /** Replaces the HTTP client (another provider, or a fake in tests). */
  source?: (p: Platform) => ArbitrationSource;
  /** Who receives alerts; default: active staff with a 'risk:read' role. */
  staffDirectory?: RiskStaffDirectory;
  /** Companies with live stores, re-checked by the weekly sync; default: verified enterprises owning a store. */
  liveStoreCompanies?: LiveStoreCompanies;
  /** Backoff sleep of the client (tests record delays instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Used for provider calls and the alert webhook. */
  fetch?: typeof fetch;
}

const depsByPlatform = new WeakMap<Platform, RiskDeps>();
const unwatchRequest = (p: Platform, code: string) => deleteWatchRequest(p.db, code);

/**
 * A company's risk level for couriers and other modules (orders show it, stores filter by it):
 * `null` when never checked. Never case details.
 */
export async function findRiskLevel(p: Platform, creditCode: string) {
  return svc.findRiskLevel(p, creditCode);
}

/** Levels of many companies at once (for order lists and filters); unchecked codes are absent. `db`: the caller's transaction. */
export async function findRiskLevels(p: Platform, creditCodes: readonly string[], db: Executor = p.db) {
  return svc.findRiskLevels(p, creditCodes, db);
}

/** Checks a company now (through the cache) — for modules acting inside a request. */
export async function checkCompany(p: Platform, creditCode: string, reason = 'module') {
  const d = depsByPlatform.get(p);
  if (!d) throw new Error('risk module not registered on this platform');
  return svc.checkCompany(d, creditCode, { reason });
}

/** Builds the risk module (labor-arbitration risk of employers, A1–A9). */
export function createRiskModule(o: RiskModuleOptions = {}): Module {
  return {
    name: 'risk',
    async register(app, p) {
      const metrics = createRiskMetrics(p.metrics);
      const cfg = p.config.arbitration;
      let source: ArbitrationSource | undefined;
      if (o.source) source = o.source(p);
      else if (cfg.baseUrl && cfg.privateKeyPem) {
        source = new HttpArbitrationClient({
          baseUrl: cfg.baseUrl,
          appId: cfg.appId,
          privateKeyPem: cfg.privateKeyPem,
          timeoutMs: cfg.timeoutMs,
          clock: p.clock,
          logger: p.logger,
          metrics,
          retryBaseMs: cfg.retryBaseMs,
          skewWarnSeconds: cfg.skewWarnSeconds,
          ...(o.sleep ? { sleep: o.sleep } : {}),
          ...(o.random ? { random: o.random } : {}),
          ...(o.fetch ? { fetch: o.fetch } : {}),
        });
      }
      const lookup = source
        ? new ArbitrationLookup({
            source,
            clock: p.clock,
            metrics,
            redis: p.redis,
            store: p.store,
            keyPrefix: cfg.cacheKeyPrefix,
            ttlMs: cfg.cacheTtlSeconds * 1000,
            notFoundTtlMs: cfg.notFoundTtlSeconds * 1000,
            localMax: cfg.localCacheMax,
            localTtlMs: cfg.localCacheTtlSeconds * 1000,
          })
        : undefined;
      const d: RiskDeps = {
        p,
        lookup,
        metrics,
        scoring: parseScoringConfig(p.config.risk.scoringJson),
        staff: o.staffDirectory ?? svc.defaultStaffDirectory,
        liveStoreCompanies: o.liveStoreCompanies ?? svc.defaultLiveStoreCompanies,
        fetch: o.fetch ?? fetch,
      };
      depsByPlatform.set(p, d);

      p.jobs.subscribe<{ alertId: string }>(svc.ALERT_RAISED, 'risk.notifyStaff', async (e, tx) => {
        await svc.notifyRiskStaff(d, tx, e.payload.alertId);
      });
      p.jobs.subscribe<{ alertId: string }>(svc.ALERT_RAISED, 'risk.alertWebhook', async (e, tx) => {
        await svc.sendAlertWebhook(d, tx, e.payload.alertId);
      });
      // Held orders (issue 6): risk staff hear of each new hold and each owner's reply; a hold whose
      // order was cancelled by its owner or closed at its start unreviewed is closed too.
      p.jobs.subscribe<{ orderId: string }>(holds.HOLD_OPENED, 'risk.notifyStaffOfHold', async (e, tx) => {
        await holds.notifyStaffOfHold(d, tx, e.payload.orderId, 'opened');
      });
      p.jobs.subscribe<{ orderId: string }>(holds.HOLD_RESPONDED, 'risk.notifyStaffOfHoldReply', async (e, tx) => {
        await holds.notifyStaffOfHold(d, tx, e.payload.orderId, 'responded');
      });
      const closeHold =
        (status: 'expired' | 'withdrawn', action: string) =>
        async (e: { payload: { orderId: string; action?: string; at?: string } }, tx: Tx) => {
          if (e.payload.action !== action) return;
          await holds.closeHold(tx, e.payload.orderId, status, e.payload.at ? new Date(e.payload.at) : p.clock.now());
        };
      p.jobs.subscribe('orders.order.cancelled', 'risk.holdWithdrawn', closeHold('withdrawn', 'cancel'));
      p.jobs.subscribe('orders.order.closed', 'risk.holdExpired', closeHold('expired', 'expire_hold'));
      p.jobs.define(RISK_JOBS.recomputeThreshold, async () => void (await svc.recomputeThreshold(p)), { cron: '0 3 * * 1', retryLimit: 3 });
      p.jobs.define(RISK_JOBS.refreshWatched, async () => void (await svc.refreshWatched(d)), { cron: '0 4 * * 1', retryLimit: 3 });
      p.jobs.define<{ creditCode: string; source: string }>(RISK_JOBS.checkCompany, async ({ creditCode, source }) => {
        try {
          await svc.checkCompany(d, creditCode, { reason: source, watchSource: source });
        } catch (err) {
          // Retrying cannot help a code the provider does not know: drop the request and say so.
          if (!(err instanceof AppError) || err.code !== 'ARBITRATION_COMPANY_NOT_FOUND') throw err;
          p.logger.warn({ creditCode, source }, 'requested risk check: the provider has no such company (6002)');
          await unwatchRequest(p, creditCode);
        }
      });

      // Enterprise verification approved → check and watch the company. The identity event carries the
      // credit code only if identity adds it to the payload; otherwise identity calls requestCompanyCheck.
      p.jobs.subscribe<{ kind?: string; creditCode?: string }>(
        'identity.verification.approved',
        'risk.checkVerifiedCompany',
        async (e, tx) => {
          if (e.payload.kind !== 'enterprise' || !e.payload.creditCode) return;
          if (!normaliseCreditCode(e.payload.creditCode))
            return p.logger.warn('verified enterprise has an invalid credit code; not checked');
          await svc.requestCompanyCheck(p, tx, e.payload.creditCode, 'verification');
        },
      );

      await riskRoutes(app, d);
    },
  };
}

/** The risk module as the platform runs it. */
export const riskModule: Module = createRiskModule();
