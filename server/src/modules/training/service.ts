import { randomInt } from 'node:crypto';
import type { Actor } from '../../platform/auth.ts';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { newHumanNumber, newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { notify } from '../messages/index.ts';
import { audit } from '../accounts/index.ts';
import * as repo from './repo.ts';
import type { CertificateLevel, PaperItem, QuestionKind, QuestionOption } from './tables.ts';

const DAY_MS = 86_400_000;
/** Couriers are reminded this long before a certificate expires. */
export const CERTIFICATE_REMINDER_DAYS = 30;
/** Network latency allowance after an exam's deadline. */
const SUBMIT_GRACE_MS = 60_000;

export const LEVEL_RANK: Record<CertificateLevel, number> = { bronze: 1, silver: 2, gold: 3 };
export const LEVEL_NAMES: Record<CertificateLevel, { zh: string; en: string }> = {
  gold: { zh: '金牌', en: 'gold' },
  silver: { zh: '银牌', en: 'silver' },
  bronze: { zh: '铜牌', en: 'bronze' },
};

/** What unlocks later stages: completed orders and time on the platform. */
export interface CourierStats {
  completedOrders: number;
  memberSince: Date | null;
}
/** Supplies part of a courier's stats; the orders module reports completed orders, accounts the sign-up date. */
export type CourierStatsSource = (p: Platform, userId: string) => Promise<Partial<CourierStats>>;
const statsSources: CourierStatsSource[] = [];

/**
 * Lets another module feed stage unlocking without training reading its tables. Without a source a
 * courier has 0 completed orders and 0 days, so only the entry stage is open (never a fake unlock).
 */
export function registerCourierStatsSource(source: CourierStatsSource): void {
  statsSources.push(source);
}

export async function courierStats(p: Platform, userId: string): Promise<CourierStats & { daysOnPlatform: number }> {
  let completedOrders = 0;
  let memberSince: Date | null = null;
  for (const source of statsSources) {
    const s = await source(p, userId);
    if (s.completedOrders !== undefined) completedOrders = Math.max(completedOrders, s.completedOrders);
    if (s.memberSince && (!memberSince || s.memberSince < memberSince)) memberSince = s.memberSince;
  }
  const daysOnPlatform = memberSince ? Math.max(0, Math.floor((p.clock.now().getTime() - memberSince.getTime()) / DAY_MS)) : 0;
  return { completedOrders, memberSince, daysOnPlatform };
}

// ---- standing: reliability and the refresher as the way back (S5.4, S5.3) ----

/**
 * Defaults of the standing rules (the migration seeds them; trainers change them in the console, see
 * standingSettings): below this reliability score (what the gate counts) a courier may not take orders
 * until the refresher is passed …
 */
export const STANDING_MIN_SCORE = 60;
/** … and a refresher pass restores standing at most once per this many days. */
export const REFRESHER_COOLDOWN_DAYS = 30;

/** The standing rules in force: the minimum reliability score and the refresher cool-down (S5.4). */
export interface StandingSettings {
  minScore: number;
  cooldownDays: number;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export async function standingSettings(db: Executor): Promise<StandingSettings> {
  const r = await repo.getSettings(db);
  return { minScore: r.standing_min_score, cooldownDays: r.refresher_cooldown_days, updatedAt: r.updated_at, updatedBy: r.updated_by };
}

/**
 * A trainer changes the standing rules; they apply to the next gate check and path view at once.
 * Audited (`training.settings.changed`, before and after) on the same transaction.
 */
export async function updateStandingSettings(
  p: Platform,
  input: { minScore?: number | undefined; cooldownDays?: number | undefined },
  by: string,
): Promise<StandingSettings> {
  return p.db.transaction().execute(async (tx) => {
    const now = p.clock.now();
    const { before, after } = await repo.updateSettings(tx, {
      ...(input.minScore !== undefined && { standing_min_score: input.minScore }),
      ...(input.cooldownDays !== undefined && { refresher_cooldown_days: input.cooldownDays }),
      updated_at: now,
      updated_by: by,
    });
    await auditTrainer(tx, p, by, 'settings.changed', {
      before: { minScore: before.standing_min_score, cooldownDays: before.refresher_cooldown_days },
      after: { minScore: after.standing_min_score, cooldownDays: after.refresher_cooldown_days },
    });
    return { minScore: after.standing_min_score, cooldownDays: after.refresher_cooldown_days, updatedAt: now, updatedBy: by };
  });
}

/** One counted (not voided) reliability event of a courier: when, and the points it cost. */
export interface ReliabilityEvent {
  at: Date;
  points: number;
}
/** Supplies a courier's counted reliability events of the scoring window; the orders module owns them. */
export type ReliabilitySource = (p: Platform, userId: string, db: Executor) => Promise<ReliabilityEvent[]>;
let reliabilitySource: ReliabilitySource | null = null;

/**
 * The orders module reports reliability events so training can gate on them without reading orders'
 * tables. One source (set again by each app instance; it reads through the `p` and `db` it is given).
 * Without a source every courier is in good standing.
 */
export function setReliabilitySource(source: ReliabilitySource): void {
  reliabilitySource = source;
}

export interface Standing {
  /** The reliability score over the window (every counted event, as orders shows it). */
  score: number;
  /** The score the gate uses: only events after the last restoration count. */
  countedScore: number;
  minScore: number;
  restricted: boolean;
  lastRestoredAt: Date | null;
  /** When a refresher pass may next restore standing (null: now). */
  restoreAvailableAt: Date | null;
}

/** A courier's standing at `now`: restricted while the counted score is below the minimum the trainers set. */
export async function courierStanding(p: Platform, userId: string, db: Executor = p.db): Promise<Standing> {
  const events = reliabilitySource ? await reliabilitySource(p, userId, db) : [];
  const last = await repo.findLatestRestoration(db, userId);
  const rules = await standingSettings(db);
  const lost = (list: ReliabilityEvent[]) => list.reduce((sum, e) => sum + e.points, 0);
  const score = Math.max(0, 100 - lost(events));
  const countedScore = Math.max(0, 100 - lost(last ? events.filter((e) => e.at > last.restored_at) : events));
  const next = last ? new Date(last.restored_at.getTime() + rules.cooldownDays * DAY_MS) : null;
  return {
    score,
    countedScore,
    minScore: rules.minScore,
    restricted: countedScore < rules.minScore,
    lastRestoredAt: last?.restored_at ?? null,
    restoreAvailableAt: next && next > p.clock.now() ? next : null,
  };
}

/** The standing gate for taking orders: throws TRAINING_REFRESHER_REQUIRED (or …_COOLDOWN) while restricted. */
export async function checkStanding(p: Platform, userId: string, db: Executor = p.db): Promise<void> {
  const s = await courierStanding(p, userId, db);
  if (!s.restricted) return;
  if (s.restoreAvailableAt) {
    throw new AppError('TRAINING_STANDING_COOLDOWN', {
      score: s.countedScore,
      min: s.minScore,
      date: s.restoreAvailableAt.toISOString().slice(0, 10),
    });
  }
  throw new AppError('TRAINING_REFRESHER_REQUIRED', { score: s.countedScore, min: s.minScore });
}

const stageUnlocked = (s: repo.StageRow, stats: { completedOrders: number; daysOnPlatform: number }) =>
  s.is_entry || (stats.completedOrders >= s.min_completed_orders && stats.daysOnPlatform >= s.min_days_on_platform);

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The level a score earns under a course's thresholds, or null below the pass mark. */
export function levelFor(score: number, c: Pick<repo.CourseRow, 'gold_min' | 'silver_min' | 'bronze_min'>): CertificateLevel | null {
  if (score >= c.gold_min) return 'gold';
  if (score >= c.silver_min) return 'silver';
  if (score >= c.bronze_min) return 'bronze';
  return null;
}

/** The training path: every stage with whether it is open, passed, and its certificate (S5.4b). */
export async function getTrainingPath(p: Platform, actor: Actor) {
  const now = p.clock.now();
  const stats = await courierStats(p, actor.userId);
  const stages = await repo.listStages(p.db);
  const certs = await repo.listValidCertificates(p.db, actor.userId, now);
  const courses = new Map((await repo.listCourses(p.db)).map((c) => [c.id, c]));
  const refresher = [...courses.values()].find((c) => c.is_refresher && c.active) ?? null;
  const progress = await progressOf(p.db, actor.userId, [
    ...new Set([...stages.map((s) => s.course_id), ...(refresher ? [refresher.id] : [])]),
  ]);
  return {
    stats,
    stages: stages.map((s) => ({
      stage: s,
      course: courses.get(s.course_id)!,
      unlocked: stageUnlocked(s, stats),
      certificate: certs.find((c) => c.course_id === s.course_id) ?? null,
      progress: progress.get(s.course_id)!,
    })),
    standing: await courierStanding(p, actor.userId),
    refresher: refresher && {
      course: refresher,
      certificate: certs.find((c) => c.course_id === refresher.id) ?? null,
      progress: progress.get(refresher.id)!,
    },
  };
}

export async function getCourse(p: Platform, courseId: string, actor?: Actor) {
  const course = await repo.findCourse(p.db, courseId);
  if (!course || !course.active) throw new AppError('TRAINING_COURSE_NOT_FOUND');
  const progress = actor ? (await progressOf(p.db, actor.userId, [courseId])).get(courseId)! : null;
  return { course, lessons: await repo.listLessons(p.db, courseId), progress };
}

/** Draws a randomised, timed paper for the caller (questions and option order shuffled; no answers). */
export async function startAttempt(p: Platform, actor: Actor, courseId: string) {
  const course = await repo.findCourse(p.db, courseId);
  if (!course || !course.active) throw new AppError('TRAINING_COURSE_NOT_FOUND');
  // A course that belongs to stages is open when any active one of them is unlocked (a stage the
  // trainers switched off opens nothing); one outside the path (e.g. the refresher) is open to everyone.
  const stages = (await repo.listAllStages(p.db)).filter((s) => s.course_id === courseId);
  if (stages.length) {
    const stats = await courierStats(p, actor.userId);
    if (!stages.some((s) => s.active && stageUnlocked(s, stats))) {
      const s = stages.find((x) => x.active) ?? stages[0]!;
      throw new AppError('TRAINING_STAGE_LOCKED', { orders: s.min_completed_orders, days: s.min_days_on_platform });
    }
  }
  const bank = await repo.listActiveQuestions(p.db, courseId);
  if (bank.length < course.exam_question_count) throw new AppError('TRAINING_QUESTION_BANK_TOO_SMALL');
  const drawn = shuffle(bank).slice(0, course.exam_question_count);
  const paper: PaperItem[] = drawn.map((q) => ({ questionId: q.id, optionOrder: shuffle(q.options.map((o) => o.key)) }));
  const now = p.clock.now();
  const attempt = {
    id: newId(),
    user_id: actor.userId,
    course_id: courseId,
    paper,
    started_at: now,
    deadline_at: new Date(now.getTime() + course.exam_minutes * 60_000),
  };
  await repo.insertAttempt(p.db, attempt);
  const byId = new Map(drawn.map((q) => [q.id, q]));
  return {
    attempt,
    course,
    questions: paper.map((item) => {
      const q = byId.get(item.questionId)!;
      const opts = new Map(q.options.map((o) => [o.key, o.text]));
      return { questionId: q.id, kind: q.kind, stem: q.stem, options: item.optionOrder.map((key) => ({ key, text: opts.get(key)! })) };
    }),
  };
}

/** Grades a paper on the server, issues or renews the certificate when it passes (S5.4a/b). */
export async function submitAttempt(p: Platform, actor: Actor, attemptId: string, answers: { questionId: string; choices: string[] }[]) {
  const attempt = await repo.findAttempt(p.db, attemptId);
  if (!attempt || attempt.user_id !== actor.userId) throw new AppError('TRAINING_ATTEMPT_NOT_FOUND');
  if (attempt.submitted_at) throw new AppError('TRAINING_ATTEMPT_SUBMITTED');
  const now = p.clock.now();
  if (now.getTime() > attempt.deadline_at.getTime() + SUBMIT_GRACE_MS) throw new AppError('TRAINING_ATTEMPT_TIMED_OUT');
  const course = (await repo.findCourse(p.db, attempt.course_id))!;
  const paper = attempt.paper as PaperItem[];
  const questions = new Map(
    (
      await repo.findQuestions(
        p.db,
        paper.map((i) => i.questionId),
      )
    ).map((q) => [q.id, q]),
  );
  const given: Record<string, string[]> = {};
  for (const a of answers) {
    const q = questions.get(a.questionId);
    if (!q || !paper.some((i) => i.questionId === a.questionId))
      throw new AppError('TRAINING_ANSWER_INVALID', { detail: `question ${a.questionId} is not on this paper` });
    const choices = [...new Set(a.choices)].sort();
    if (choices.some((c) => !q.options.some((o) => o.key === c)))
      throw new AppError('TRAINING_ANSWER_INVALID', { detail: `unknown option for ${a.questionId}` });
    if (q.kind !== 'multiple' && choices.length > 1)
      throw new AppError('TRAINING_ANSWER_INVALID', { detail: `one choice only for ${a.questionId}` });
    given[a.questionId] = choices;
  }
  const review = paper.map((item) => {
    const q = questions.get(item.questionId)!;
    const correct = [...q.correct].sort();
    const mine = given[item.questionId] ?? [];
    return {
      questionId: q.id,
      correct: mine.length === correct.length && mine.every((c, i) => c === correct[i]),
      correctChoices: correct,
      explanation: q.explanation,
    };
  });
  const score = Math.round((100 * review.filter((r) => r.correct).length) / paper.length);
  const level = levelFor(score, course);
  // The refresher as the way back: read the standing before the transaction (the source may be slow).
  const standing = course.is_refresher && level ? await courierStanding(p, actor.userId) : null;
  return p.db.transaction().execute(async (tx) => {
    if (!(await repo.completeAttempt(tx, attempt.id, { submitted_at: now, answers: given, score, passed: level !== null }))) {
      throw new AppError('TRAINING_ATTEMPT_SUBMITTED');
    }
    let certificate: repo.CertificateRow | null = null;
    if (level) {
      await repo.supersedeCertificates(tx, actor.userId, course.id);
      certificate = {
        id: newId(),
        number: newHumanNumber('DBC', now),
        user_id: actor.userId,
        course_id: course.id,
        attempt_id: attempt.id,
        level,
        score,
        status: 'valid',
        issued_at: now,
        expires_at: new Date(now.getTime() + course.certificate_valid_days * DAY_MS),
        reminded_at: null,
        revoked_at: null,
        revoke_reason: null,
      };
      await repo.insertCertificate(tx, certificate);
      await p.jobs.publish(tx, 'training.certificate.issued', {
        certificateId: certificate.id,
        userId: actor.userId,
        courseId: course.id,
        level,
        expiresAt: certificate.expires_at.toISOString(),
      });
      await notify(p, tx, {
        userId: actor.userId,
        category: 'system',
        title: { zh: '恭喜通过考试', en: 'Exam passed' },
        body: {
          zh: '您以 {score} 分通过「{course}」考试，获得{levelZh}证书（编号 {number}）。',
          en: 'You passed "{courseEn}" with {score} points and earned a {levelEn} certificate (no. {number}).',
        },
        params: {
          score,
          course: course.title_zh,
          courseEn: course.title_en,
          levelZh: LEVEL_NAMES[level].zh,
          levelEn: LEVEL_NAMES[level].en,
          number: certificate.number,
        },
        link: '/training/certificates',
      });
    }
    let standingRestored = false;
    if (certificate && standing?.restricted && !standing.restoreAvailableAt) {
      // Under a per-courier lock, re-read: a second refresher pass racing this one must not restore twice.
      await repo.lockStanding(tx, actor.userId);
      const last = await repo.findLatestRestoration(tx, actor.userId);
      if (!last || last.restored_at.getTime() === standing.lastRestoredAt?.getTime()) {
        await restoreStanding(p, tx, {
          actor,
          course,
          attemptId: attempt.id,
          certificateId: certificate.id,
          scoreBefore: standing.countedScore,
          now,
        });
        standingRestored = true;
      }
    }
    await p.jobs.publish(tx, 'training.exam.graded', {
      attemptId: attempt.id,
      userId: actor.userId,
      courseId: course.id,
      score,
      passed: level !== null,
    });
    return {
      attempt: { ...attempt, submitted_at: now, score, passed: level !== null },
      course,
      level,
      certificate,
      review,
      standingRestored,
    };
  });
}

/**
 * Records that a refresher pass restored a courier's standing: an append-only row (the reliability
 * events stay with orders, untouched), an event, a security-audit entry and a notification.
 */
async function restoreStanding(
  p: Platform,
  tx: Executor,
  o: { actor: Actor; course: repo.CourseRow; attemptId: string; certificateId: string; scoreBefore: number; now: Date },
) {
  const id = newId();
  await repo.insertRestoration(tx, {
    id,
    user_id: o.actor.userId,
    course_id: o.course.id,
    attempt_id: o.attemptId,
    certificate_id: o.certificateId,
    score_before: o.scoreBefore,
    restored_at: o.now,
  });
  await p.jobs.publish(tx, 'training.standing.restored', { restorationId: id, userId: o.actor.userId, certificateId: o.certificateId });
  await audit(tx, {
    at: o.now,
    action: 'training.standing.restored',
    actorId: o.actor.userId,
    subjectId: o.actor.userId,
    detail: { restorationId: id, attemptId: o.attemptId, certificateId: o.certificateId, scoreBefore: o.scoreBefore },
  });
  await notify(p, tx, {
    userId: o.actor.userId,
    category: 'system',
    title: { zh: '接单资格已恢复', en: 'You may take orders again' },
    body: {
      zh: '您已通过「{course}」，接单资格已恢复。此前的信用记录仍保留，之后的违约将重新计算。',
      en: 'You passed "{courseEn}" and may take orders again. Your earlier reliability record is kept; new events count from now.',
    },
    params: { course: o.course.title_zh, courseEn: o.course.title_en },
    link: '/training',
  });
}

export async function findMyCertificates(p: Platform, actor: Actor) {
  const certs = await repo.listCertificatesOfUser(p.db, actor.userId);
  const courses = new Map((await repo.listCourses(p.db)).map((c) => [c.id, c]));
  return certs.map((c) => ({ cert: c, course: courses.get(c.course_id)! }));
}

/** Looks a certificate up by its public number; `valid` accounts for expiry at this moment. */
export async function verifyCertificate(p: Platform, number: string) {
  const cert = await repo.findCertificateByNumber(p.db, number.trim().toUpperCase());
  if (!cert) throw new AppError('CERTIFICATE_NOT_FOUND');
  const course = (await repo.findCourse(p.db, cert.course_id))!;
  return { cert, course, valid: cert.status === 'valid' && cert.expires_at > p.clock.now() };
}

/** The best valid certificate of a user (highest level, then latest expiry), or undefined. */
export async function bestCertificate(db: Executor, userId: string, now: Date): Promise<repo.CertificateRow | undefined> {
  const certs = await repo.listValidCertificates(db, userId, now);
  return certs.sort((a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level] || b.expires_at.getTime() - a.expires_at.getTime())[0];
}

/**
 * The gate for taking orders (S5.4a): a valid certificate of the entry stage's course, and, when the
 * order type asks for one, any valid certificate at `minLevel` or above.
 */
export async function checkCertificate(db: Executor, userId: string, now: Date, minLevel?: CertificateLevel): Promise<void> {
  const entry = await repo.findEntryStage(db);
  const certs = await repo.listValidCertificates(db, userId, now);
  if (!entry || !certs.some((c) => c.course_id === entry.course_id)) throw new AppError('TRAINING_CERTIFICATE_REQUIRED');
  if (minLevel && !certs.some((c) => LEVEL_RANK[c.level] >= LEVEL_RANK[minLevel])) {
    throw new AppError('TRAINING_CERTIFICATE_LEVEL_TOO_LOW', { level: LEVEL_NAMES[minLevel].zh });
  }
}

/** Daily: expires certificates past their date and reminds holders 30 days ahead. Idempotent. */
export async function sweepCertificates(p: Platform): Promise<{ expired: number; reminded: number }> {
  const now = p.clock.now();
  let expired = 0;
  let reminded = 0;
  for (const c of await repo.listExpiredValid(p.db, now)) {
    await p.db.transaction().execute(async (tx) => {
      if (!(await repo.markCertificate(tx, c.id, { status: 'expired' }))) return;
      expired++;
      await p.jobs.publish(tx, 'training.certificate.expired', { certificateId: c.id, userId: c.user_id, courseId: c.course_id });
      await notify(p, tx, {
        userId: c.user_id,
        category: 'system',
        title: { zh: '培训证书已过期', en: 'Training certificate expired' },
        body: {
          zh: '您的证书 {number} 已过期，请重新参加培训考试。',
          en: 'Your certificate {number} has expired; please retake the training exam.',
        },
        params: { number: c.number },
        link: '/training',
      });
    });
  }
  const horizon = new Date(now.getTime() + CERTIFICATE_REMINDER_DAYS * DAY_MS);
  for (const c of await repo.listExpiringUnreminded(p.db, now, horizon)) {
    await p.db.transaction().execute(async (tx) => {
      if (!(await repo.markCertificate(tx, c.id, { reminded_at: now }))) return;
      reminded++;
      await notify(p, tx, {
        userId: c.user_id,
        category: 'system',
        title: { zh: '培训证书即将到期', en: 'Training certificate expires soon' },
        body: {
          zh: '您的证书 {number} 将于 {date} 到期，请及时参加复训考试。',
          en: 'Your certificate {number} expires on {date}; retake the exam in time to keep taking orders.',
        },
        params: { number: c.number, date: c.expires_at.toISOString().slice(0, 10) },
        link: '/training',
      });
    });
  }
  return { expired, reminded };
}

// ---- trainers (permission training:manage) ----

/**
 * Staff revoke a valid certificate (e.g. cheating found later): conditional update (one winner), the
 * reason kept on the row, audited, the holder notified. Gates and the public page see it at once.
 */
export async function revokeCertificate(p: Platform, number: string, reason: string, by: string): Promise<repo.CertificateRow> {
  const now = p.clock.now();
  return p.db.transaction().execute(async (tx) => {
    const c = await repo.revokeCertificate(tx, number.trim().toUpperCase(), reason, now);
    if (!c) {
      if (await repo.findCertificateByNumber(tx, number.trim().toUpperCase())) throw new AppError('TRAINING_CERTIFICATE_NOT_VALID');
      throw new AppError('CERTIFICATE_NOT_FOUND');
    }
    await auditTrainer(tx, p, by, 'certificate.revoked', { certificateId: c.id, number: c.number, holderId: c.user_id });
    await p.jobs.publish(tx, 'training.certificate.revoked', { certificateId: c.id, userId: c.user_id, courseId: c.course_id });
    await notify(p, tx, {
      userId: c.user_id,
      category: 'system',
      title: { zh: '培训证书已被撤销', en: 'Training certificate revoked' },
      body: {
        zh: '您的证书 {number} 已被平台撤销，原因：{reason}。如有异议请联系客服；重新通过考试可获得新证书。',
        en: 'Your certificate {number} was revoked by the platform: {reason}. Contact support to object; passing the exam again earns a new one.',
      },
      params: { number: c.number, reason },
      link: '/training',
    });
    return c;
  });
}

/**
 * Exam content decides who may work: every trainer change is written to the security audit on the
 * same transaction as the change (who, what, which ids — never answer keys).
 */
async function auditTrainer(tx: Executor, p: Platform, by: string, action: string, detail: Record<string, unknown>): Promise<void> {
  await audit(tx, { at: p.clock.now(), action: `training.${action}`, actorId: by, detail });
}

export interface CourseInput {
  code: string;
  titleZh: string;
  titleEn: string;
  summaryZh?: string | undefined;
  summaryEn?: string | undefined;
  examQuestionCount?: number | undefined;
  examMinutes?: number | undefined;
  goldMin?: number | undefined;
  silverMin?: number | undefined;
  bronzeMin?: number | undefined;
  certificateValidDays?: number | undefined;
  active?: boolean | undefined;
  /** Make this the refresher course (the previous refresher stops being one). */
  isRefresher?: boolean | undefined;
}

function checkThresholds(c: { gold_min: number; silver_min: number; bronze_min: number }) {
  if (!(c.gold_min <= 100 && c.gold_min >= c.silver_min && c.silver_min >= c.bronze_min && c.bronze_min >= 1)) {
    throw new AppError('VALIDATION_FAILED', { detail: 'thresholds must satisfy 100 ≥ gold ≥ silver ≥ bronze ≥ 1' });
  }
}

export async function createCourse(p: Platform, input: CourseInput, by: string): Promise<repo.CourseRow> {
  const row: repo.CourseRow = {
    id: newId(),
    code: input.code,
    title_zh: input.titleZh,
    title_en: input.titleEn,
    summary_zh: input.summaryZh ?? '',
    summary_en: input.summaryEn ?? '',
    exam_question_count: input.examQuestionCount ?? 10,
    exam_minutes: input.examMinutes ?? 20,
    gold_min: input.goldMin ?? 90,
    silver_min: input.silverMin ?? 75,
    bronze_min: input.bronzeMin ?? 60,
    certificate_valid_days: input.certificateValidDays ?? 365,
    active: input.active ?? true,
    is_refresher: input.isRefresher ?? false,
    created_at: p.clock.now(),
  };
  checkThresholds(row);
  if ((await repo.listCourses(p.db)).some((c) => c.code === row.code)) throw new AppError('TRAINING_CODE_TAKEN');
  await p.db.transaction().execute(async (tx) => {
    if (row.is_refresher) await repo.clearRefresherExcept(tx, row.id);
    await repo.insertCourse(tx, row);
    await auditTrainer(tx, p, by, 'course.created', { courseId: row.id, code: row.code, isRefresher: row.is_refresher });
  });
  return row;
}

export async function updateCourse(p: Platform, id: string, input: Partial<CourseInput>, by: string): Promise<repo.CourseRow> {
  const current = await repo.findCourse(p.db, id);
  if (!current) throw new AppError('TRAINING_COURSE_NOT_FOUND');
  const set = {
    ...(input.titleZh !== undefined && { title_zh: input.titleZh }),
    ...(input.titleEn !== undefined && { title_en: input.titleEn }),
    ...(input.summaryZh !== undefined && { summary_zh: input.summaryZh }),
    ...(input.summaryEn !== undefined && { summary_en: input.summaryEn }),
    ...(input.examQuestionCount !== undefined && { exam_question_count: input.examQuestionCount }),
    ...(input.examMinutes !== undefined && { exam_minutes: input.examMinutes }),
    ...(input.goldMin !== undefined && { gold_min: input.goldMin }),
    ...(input.silverMin !== undefined && { silver_min: input.silverMin }),
    ...(input.bronzeMin !== undefined && { bronze_min: input.bronzeMin }),
    ...(input.certificateValidDays !== undefined && { certificate_valid_days: input.certificateValidDays }),
    ...(input.active !== undefined && { active: input.active }),
    ...(input.isRefresher !== undefined && { is_refresher: input.isRefresher }),
  };
  checkThresholds({ ...current, ...set });
  return p.db.transaction().execute(async (tx) => {
    if (set.is_refresher) await repo.clearRefresherExcept(tx, id);
    await auditTrainer(tx, p, by, 'course.changed', { courseId: id, fields: Object.keys(set) });
    return (await repo.updateCourse(tx, id, set))!;
  });
}

export async function addLesson(
  p: Platform,
  courseId: string,
  input: { position: number; title: string; bodyMarkdown: string; imageUrls?: string[] | undefined; videoUrl?: string | null | undefined },
  by: string,
): Promise<repo.LessonRow> {
  if (!(await repo.findCourse(p.db, courseId))) throw new AppError('TRAINING_COURSE_NOT_FOUND');
  if ((await repo.listLessons(p.db, courseId)).some((l) => l.position === input.position)) throw new AppError('CONFLICT');
  const row: repo.LessonRow = {
    id: newId(),
    course_id: courseId,
    position: input.position,
    title: input.title,
    body_markdown: input.bodyMarkdown,
    image_urls: input.imageUrls ?? [],
    video_url: input.videoUrl ?? null,
  };
  await p.db.transaction().execute(async (tx) => {
    await repo.insertLesson(tx, row);
    await auditTrainer(tx, p, by, 'lesson.added', { courseId, lessonId: row.id, position: row.position });
  });
  return row;
}

export interface LessonPatch {
  title?: string | undefined;
  bodyMarkdown?: string | undefined;
  imageUrls?: string[] | undefined;
  videoUrl?: string | null | undefined;
}

/** A trainer corrects a lesson's text or media; its position and the couriers' progress stay. */
export async function updateLesson(p: Platform, lessonId: string, input: LessonPatch, by: string): Promise<repo.LessonRow> {
  return p.db.transaction().execute(async (tx) => {
    const row = await repo.updateLesson(tx, lessonId, {
      ...(input.title !== undefined && { title: input.title }),
      ...(input.bodyMarkdown !== undefined && { body_markdown: input.bodyMarkdown }),
      ...(input.imageUrls !== undefined && { image_urls: input.imageUrls }),
      ...(input.videoUrl !== undefined && { video_url: input.videoUrl }),
    });
    if (!row) throw new AppError('TRAINING_LESSON_NOT_FOUND');
    await auditTrainer(tx, p, by, 'lesson.changed', { courseId: row.course_id, lessonId, fields: Object.keys(input) });
    return row;
  });
}

/** Deletes a lesson (and the progress on it); the remaining lessons close up to positions 1..n. */
export async function deleteLesson(p: Platform, lessonId: string, by: string): Promise<void> {
  await p.db.transaction().execute(async (tx) => {
    const lesson = await repo.findLesson(tx, lessonId);
    if (!lesson || !(await repo.lockCourse(tx, lesson.course_id))) throw new AppError('TRAINING_LESSON_NOT_FOUND');
    if (!(await repo.deleteLesson(tx, lessonId))) throw new AppError('TRAINING_LESSON_NOT_FOUND');
    await auditTrainer(tx, p, by, 'lesson.deleted', { courseId: lesson.course_id, lessonId, title: lesson.title });
    const rest = await repo.listLessons(tx, lesson.course_id);
    await repo.reorderLessons(
      tx,
      lesson.course_id,
      rest.map((l) => l.id),
    );
  });
}

/** Puts a course's lessons in the given order; `lessonIds` must name each lesson of the course exactly once. */
export async function reorderLessons(p: Platform, courseId: string, lessonIds: string[], by: string): Promise<repo.LessonRow[]> {
  return p.db.transaction().execute(async (tx) => {
    if (!(await repo.lockCourse(tx, courseId))) throw new AppError('TRAINING_COURSE_NOT_FOUND');
    const current = await repo.listLessons(tx, courseId);
    const ids = new Set(lessonIds);
    if (ids.size !== lessonIds.length || ids.size !== current.length || current.some((l) => !ids.has(l.id))) {
      throw new AppError('TRAINING_LESSON_ORDER_INVALID');
    }
    await repo.reorderLessons(tx, courseId, lessonIds);
    await auditTrainer(tx, p, by, 'lessons.reordered', { courseId, lessonIds });
    return repo.listLessons(tx, courseId);
  });
}

/** Per-course lesson progress of a user: lessons read, of how many, and the percentage. */
export interface CourseProgress {
  completedLessons: number;
  totalLessons: number;
  percent: number;
}

export async function progressOf(
  db: Executor,
  userId: string,
  courseIds: string[],
): Promise<Map<string, CourseProgress & { done: Set<string> }>> {
  const totals = await repo.countLessons(db, courseIds);
  const done = await repo.listCompletedLessons(db, userId, courseIds);
  const out = new Map<string, CourseProgress & { done: Set<string> }>();
  for (const id of courseIds) {
    const mine = new Set(done.filter((d) => d.course_id === id).map((d) => d.lesson_id));
    const total = totals.get(id) ?? 0;
    out.set(id, {
      completedLessons: mine.size,
      totalLessons: total,
      percent: total ? Math.round((100 * mine.size) / total) : 0,
      done: mine,
    });
  }
  return out;
}

/** A courier marks a lesson read (idempotent: the first time is kept) and gets the course's progress. */
export async function completeLesson(p: Platform, actor: Actor, lessonId: string): Promise<CourseProgress & { courseId: string }> {
  const lesson = await repo.findLesson(p.db, lessonId);
  const course = lesson && (await repo.findCourse(p.db, lesson.course_id));
  if (!lesson || !course?.active) throw new AppError('TRAINING_LESSON_NOT_FOUND');
  await repo.insertLessonProgress(p.db, {
    user_id: actor.userId,
    lesson_id: lesson.id,
    course_id: lesson.course_id,
    completed_at: p.clock.now(),
  });
  const { done: _done, ...progress } = (await progressOf(p.db, actor.userId, [lesson.course_id])).get(lesson.course_id)!;
  return { courseId: lesson.course_id, ...progress };
}

export async function addQuestion(
  p: Platform,
  courseId: string,
  input: { kind: QuestionKind; stem: string; options?: QuestionOption[] | undefined; correct: string[]; explanation?: string | undefined },
  by: string,
): Promise<repo.QuestionRow> {
  if (!(await repo.findCourse(p.db, courseId))) throw new AppError('TRAINING_COURSE_NOT_FOUND');
  const options =
    input.kind === 'true_false'
      ? [
          { key: 'T', text: '正确' },
          { key: 'F', text: '错误' },
        ]
      : (input.options ?? []);
  const keys = options.map((o) => o.key);
  const correct = [...new Set(input.correct)];
  const bad = (detail: string) => new AppError('TRAINING_QUESTION_INVALID', { detail });
  if (new Set(keys).size !== keys.length) throw bad('option keys must be unique');
  if (input.kind !== 'true_false' && options.length < 2) throw bad('at least two options');
  if (!correct.length || correct.some((c) => !keys.includes(c))) throw bad('correct answers must be option keys');
  if (input.kind !== 'multiple' && correct.length !== 1) throw bad('exactly one correct answer');
  if (input.kind === 'multiple' && correct.length < 2) throw bad('a multiple-choice question has at least two correct answers');
  const row: repo.QuestionRow = {
    id: newId(),
    course_id: courseId,
    kind: input.kind,
    stem: input.stem,
    options,
    correct,
    explanation: input.explanation ?? '',
    active: true,
    created_at: p.clock.now(),
  };
  await p.db.transaction().execute(async (tx) => {
    await repo.insertQuestion(tx, row);
    await auditTrainer(tx, p, by, 'question.added', { courseId, questionId: row.id, kind: row.kind });
  });
  return row;
}

export async function listQuestions(p: Platform, courseId: string) {
  if (!(await repo.findCourse(p.db, courseId))) throw new AppError('TRAINING_COURSE_NOT_FOUND');
  return repo.listActiveQuestions(p.db, courseId);
}

export async function retireQuestion(p: Platform, id: string, by: string) {
  return p.db.transaction().execute(async (tx) => {
    const q = await repo.setQuestionActive(tx, id, false);
    if (!q) throw new AppError('NOT_FOUND');
    await auditTrainer(tx, p, by, 'question.retired', { courseId: q.course_id, questionId: id });
    return q;
  });
}

export async function putStage(
  p: Platform,
  code: string,
  input: {
    position: number;
    nameZh: string;
    nameEn: string;
    courseId: string;
    minCompletedOrders: number;
    minDaysOnPlatform: number;
    isEntry: boolean;
    active?: boolean | undefined;
  },
  by: string,
): Promise<repo.StageRow> {
  if (!(await repo.findCourse(p.db, input.courseId))) throw new AppError('TRAINING_COURSE_NOT_FOUND');
  // The entry stage gates every first order: switching it off would lock every courier out.
  if (input.isEntry && input.active === false) throw new AppError('VALIDATION_FAILED', { detail: 'the entry stage cannot be inactive' });
  try {
    return await p.db.transaction().execute(async (tx) => {
      const stage = await repo.upsertStage(tx, {
        id: newId(),
        code,
        position: input.position,
        name_zh: input.nameZh,
        name_en: input.nameEn,
        course_id: input.courseId,
        min_completed_orders: input.minCompletedOrders,
        min_days_on_platform: input.minDaysOnPlatform,
        is_entry: input.isEntry,
        active: input.active ?? true,
      });
      await auditTrainer(tx, p, by, 'stage.saved', {
        code,
        courseId: input.courseId,
        minCompletedOrders: input.minCompletedOrders,
        minDaysOnPlatform: input.minDaysOnPlatform,
        isEntry: input.isEntry,
        active: stage.active,
      });
      return stage;
    });
  } catch (err) {
    // Unique violations: a second entry stage, or a position another stage holds.
    if ((err as { code?: string }).code === '23505') throw new AppError('CONFLICT');
    throw err;
  }
}
