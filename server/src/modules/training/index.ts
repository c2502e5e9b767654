import type { Executor } from '../../platform/db.ts';
import type { Module } from '../../platform/module.ts';
import type { Platform } from '../../platform/platform.ts';
import './errors.ts';
import { trainingRoutes } from './routes.ts';
import { bestCertificate, checkCertificate, checkStanding, registerCourierStatsSource, sweepCertificates } from './service.ts';
import { verifiedSince } from '../identity/index.ts';
import type { CertificateLevel } from './tables.ts';

export {
  registerCourierStatsSource,
  setReliabilitySource,
  courierStanding,
  sweepCertificates,
  levelFor,
  STANDING_MIN_SCORE,
  REFRESHER_COOLDOWN_DAYS,
  standingSettings,
  type StandingSettings,
  type CourierStats,
  type CourierStatsSource,
  type ReliabilityEvent,
  type ReliabilitySource,
  type Standing,
} from './service.ts';
export type { CertificateLevel } from './tables.ts';

/** The daily job that expires certificates and reminds holders 30 days ahead. */
export const CERTIFICATE_SWEEP_JOB = 'training.certificate-sweep';

/**
 * Gate for taking orders (S5.4a): throws TRAINING_CERTIFICATE_REQUIRED unless the courier holds a valid
 * certificate of the entry stage, and TRAINING_CERTIFICATE_LEVEL_TOO_LOW when the order type needs
 * `minLevel` (gold > silver > bronze) and no valid certificate reaches it. Pass the transaction when
 * the check must see the same snapshot as the order change.
 */
export async function requireValidCertificate(
  p: Platform,
  userId: string,
  minLevel?: CertificateLevel,
  db: Executor = p.db,
): Promise<void> {
  await checkCertificate(db, userId, p.clock.now(), minLevel);
}

/**
 * Gate for taking orders (S5.4, the way back): throws TRAINING_REFRESHER_REQUIRED while the courier's
 * reliability score, counting events since their last restoration, is below STANDING_MIN_SCORE, or
 * TRAINING_STANDING_COOLDOWN when a refresher pass cannot restore it yet. Needs a reliability source
 * (`setReliabilitySource`, registered by the orders module); without one everybody is in good standing.
 */
export async function requireGoodStanding(p: Platform, userId: string, db: Executor = p.db): Promise<void> {
  await checkStanding(p, userId, db);
}

/** A courier's best valid certificate for display on a taken order (S5.4b), or null. */
export async function findCertificateSummary(
  p: Platform,
  userId: string,
): Promise<{ number: string; level: CertificateLevel; expiresAt: string } | null> {
  const c = await bestCertificate(p.db, userId, p.clock.now());
  return c ? { number: c.number, level: c.level, expiresAt: c.expires_at.toISOString() } : null;
}

// Time on the platform counts from the first real-name approval (nobody works unverified); a source
// with the sign-up date, if accounts registers one, wins because the earliest date is used.
registerCourierStatsSource(async (p, userId) => {
  const since = await verifiedSince(p, userId);
  return since ? { memberSince: since } : {};
});

/** Courses, exams, stages and certificates (S5.4a/b). */
export const trainingModule: Module = {
  name: 'training',
  register(app, p) {
    trainingRoutes(app, p);
    p.jobs.define(CERTIFICATE_SWEEP_JOB, async () => void (await sweepCertificates(p)), { cron: '20 2 * * *' });
  },
};
