import { sql } from 'kysely';
import type { Executor } from '../../platform/db.ts';
import { cachedTableRead } from '../../platform/dbchanges.ts';
import type { TrainingTables } from './tables.ts';

type T = TrainingTables;
export type CourseRow = T['training_courses'];
export type LessonRow = Omit<T['training_lessons'], 'image_urls'> & { image_urls: string[] };
export type QuestionRow = Omit<T['training_questions'], 'options' | 'correct'> & {
  options: { key: string; text: string }[];
  correct: string[];
};
export type StageRow = T['training_stages'];
export type CertificateRow = T['training_certificates'];

export const findCourse = (db: Executor, id: string) =>
  db.selectFrom('training_courses').selectAll().where('id', '=', id).executeTakeFirst();
export const listCourses = (db: Executor) => db.selectFrom('training_courses').selectAll().orderBy('created_at').orderBy('code').execute();

export async function insertCourse(db: Executor, row: CourseRow): Promise<void> {
  await db.insertInto('training_courses').values(row).execute();
}

export async function updateCourse(
  db: Executor,
  id: string,
  set: Partial<Omit<CourseRow, 'id' | 'created_at'>>,
): Promise<CourseRow | undefined> {
  return db.updateTable('training_courses').set(set).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function listLessons(db: Executor, courseId: string): Promise<LessonRow[]> {
  return (await db
    .selectFrom('training_lessons')
    .selectAll()
    .where('course_id', '=', courseId)
    .orderBy('position')
    .execute()) as LessonRow[];
}

export async function insertLesson(db: Executor, row: LessonRow): Promise<void> {
  await db
    .insertInto('training_lessons')
    .values({ ...row, image_urls: JSON.stringify(row.image_urls) })
    .execute();
}

export async function listActiveQuestions(db: Executor, courseId: string): Promise<QuestionRow[]> {
  return (await db
    .selectFrom('training_questions')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('active', '=', true)
    .orderBy('created_at')
    .orderBy('id')
    .execute()) as QuestionRow[];
}

export async function findQuestions(db: Executor, ids: string[]): Promise<QuestionRow[]> {
  if (!ids.length) return [];
  return (await db.selectFrom('training_questions').selectAll().where('id', 'in', ids).execute()) as QuestionRow[];
}

export async function insertQuestion(db: Executor, row: QuestionRow): Promise<void> {
  await db
    .insertInto('training_questions')
    .values({ ...row, options: JSON.stringify(row.options), correct: JSON.stringify(row.correct) })
    .execute();
}

export async function setQuestionActive(db: Executor, id: string, active: boolean): Promise<QuestionRow | undefined> {
  return (await db.updateTable('training_questions').set({ active }).where('id', '=', id).returningAll().executeTakeFirst()) as
    QuestionRow | undefined;
}

export type SettingsRow = T['training_settings'];
/** The standing rules (one row, seeded by the migration); outside a transaction from the table cache (0073). */
export const getSettings = (db: Executor): Promise<SettingsRow> =>
  cachedTableRead(db, 'training_settings', () =>
    db.selectFrom('training_settings').selectAll().where('id', '=', true).executeTakeFirstOrThrow(),
  );
/** Changes the standing rules under a row lock; returns the row before and after. */
export async function updateSettings(
  db: Executor,
  set: Partial<Pick<SettingsRow, 'standing_min_score' | 'refresher_cooldown_days'>> & Pick<SettingsRow, 'updated_at' | 'updated_by'>,
): Promise<{ before: SettingsRow; after: SettingsRow }> {
  const before = await db.selectFrom('training_settings').selectAll().where('id', '=', true).forUpdate().executeTakeFirstOrThrow();
  const after = await db.updateTable('training_settings').set(set).where('id', '=', true).returningAll().executeTakeFirstOrThrow();
  return { before, after };
}

/** Every stage, inactive ones too (the trainer's console). */
export const listAllStages = (db: Executor) => db.selectFrom('training_stages').selectAll().orderBy('position').execute();
export const listStages = (db: Executor) =>
  db.selectFrom('training_stages').selectAll().where('active', '=', true).orderBy('position').execute();
/** The active entry stage (read on every take); outside a transaction from the table cache (0073). */
export const findEntryStage = (db: Executor): Promise<StageRow | undefined> =>
  cachedTableRead(db, 'training_stages:entry', () =>
    db.selectFrom('training_stages').selectAll().where('is_entry', '=', true).where('active', '=', true).executeTakeFirst(),
  );

export async function upsertStage(db: Executor, row: StageRow): Promise<StageRow> {
  return db
    .insertInto('training_stages')
    .values(row)
    .onConflict((oc) =>
      oc.column('code').doUpdateSet({
        position: row.position,
        name_zh: row.name_zh,
        name_en: row.name_en,
        course_id: row.course_id,
        min_completed_orders: row.min_completed_orders,
        min_days_on_platform: row.min_days_on_platform,
        is_entry: row.is_entry,
        active: row.active,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertAttempt(
  db: Executor,
  row: { id: string; user_id: string; course_id: string; paper: unknown; started_at: Date; deadline_at: Date },
) {
  await db
    .insertInto('training_attempts')
    .values({ ...row, paper: JSON.stringify(row.paper) })
    .execute();
}

export const findAttempt = (db: Executor, id: string) =>
  db.selectFrom('training_attempts').selectAll().where('id', '=', id).executeTakeFirst();

/** Records the result only if the paper is still open: a double submit has exactly one winner. */
export async function completeAttempt(
  db: Executor,
  id: string,
  r: { submitted_at: Date; answers: Record<string, string[]>; score: number; passed: boolean },
): Promise<boolean> {
  const res = await db
    .updateTable('training_attempts')
    .set({ ...r, answers: JSON.stringify(r.answers) })
    .where('id', '=', id)
    .where('submitted_at', 'is', null)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

export async function supersedeCertificates(db: Executor, userId: string, courseId: string): Promise<void> {
  await db
    .updateTable('training_certificates')
    .set({ status: 'superseded' })
    .where('user_id', '=', userId)
    .where('course_id', '=', courseId)
    .where('status', '=', 'valid')
    .execute();
}

export async function insertCertificate(db: Executor, row: CertificateRow): Promise<void> {
  await db.insertInto('training_certificates').values(row).execute();
}

export const findCertificateByNumber = (db: Executor, number: string) =>
  db.selectFrom('training_certificates').selectAll().where('number', '=', number).executeTakeFirst();

export const listCertificatesOfUser = (db: Executor, userId: string) =>
  db
    .selectFrom('training_certificates')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('issued_at', 'desc')
    .orderBy('id', 'desc')
    .execute();

/** Certificates that are valid by status and date at `now`. */
export const listValidCertificates = (db: Executor, userId: string, now: Date) =>
  db
    .selectFrom('training_certificates')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'valid')
    .where('expires_at', '>', now)
    .execute();

export const listExpiredValid = (db: Executor, now: Date) =>
  db.selectFrom('training_certificates').selectAll().where('status', '=', 'valid').where('expires_at', '<=', now).execute();

export const listExpiringUnreminded = (db: Executor, now: Date, horizon: Date) =>
  db
    .selectFrom('training_certificates')
    .selectAll()
    .where('status', '=', 'valid')
    .where('expires_at', '>', now)
    .where('expires_at', '<=', horizon)
    .where('reminded_at', 'is', null)
    .execute();

export async function markCertificate(db: Executor, id: string, set: { status?: 'expired'; reminded_at?: Date }): Promise<boolean> {
  let q = db.updateTable('training_certificates').set(set).where('id', '=', id).where('status', '=', 'valid');
  if (set.reminded_at) q = q.where('reminded_at', 'is', null);
  return (await q.executeTakeFirst()).numUpdatedRows > 0n;
}

// ---- refresher and standing (S5.4) ----

export type RestorationRow = T['training_standing_restorations'];

export const findRefresherCourse = (db: Executor) =>
  db.selectFrom('training_courses').selectAll().where('is_refresher', '=', true).executeTakeFirst();

/** Clears the refresher flag on every other course (at most one refresher; a unique index backs it). */
export async function clearRefresherExcept(db: Executor, courseId: string): Promise<void> {
  await db
    .updateTable('training_courses')
    .set({ is_refresher: false })
    .where('is_refresher', '=', true)
    .where('id', '!=', courseId)
    .execute();
}

/** Serialises restorations of one courier (two refresher passes racing must not both restore). */
export async function lockStanding(db: Executor, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${'training.standing:' + userId}, 0))`.execute(db);
}

export const findLatestRestoration = (db: Executor, userId: string) =>
  db
    .selectFrom('training_standing_restorations')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('restored_at', 'desc')
    .limit(1)
    .executeTakeFirst();

export async function insertRestoration(db: Executor, row: RestorationRow): Promise<void> {
  await db.insertInto('training_standing_restorations').values(row).execute();
}

// ---- lessons and progress ----

export async function findLesson(db: Executor, id: string): Promise<LessonRow | undefined> {
  return (await db.selectFrom('training_lessons').selectAll().where('id', '=', id).executeTakeFirst()) as LessonRow | undefined;
}

export async function updateLesson(
  db: Executor,
  id: string,
  set: { title?: string; body_markdown?: string; image_urls?: string[]; video_url?: string | null },
): Promise<LessonRow | undefined> {
  const { image_urls, ...rest } = set;
  return (await db
    .updateTable('training_lessons')
    .set({ ...rest, ...(image_urls && { image_urls: JSON.stringify(image_urls) }) })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()) as LessonRow | undefined;
}

export async function deleteLesson(db: Executor, id: string): Promise<boolean> {
  return (await db.deleteFrom('training_lessons').where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n;
}

/**
 * Gives the course's lessons the positions 1..n in `orderedIds` order. Two passes because of the
 * (course_id, position) unique constraint: first out of the way (negative), then into place.
 */
export async function reorderLessons(db: Executor, courseId: string, orderedIds: string[]): Promise<void> {
  for (const [i, id] of orderedIds.entries()) {
    await db
      .updateTable('training_lessons')
      .set({ position: -(i + 1) })
      .where('id', '=', id)
      .where('course_id', '=', courseId)
      .execute();
  }
  for (const [i, id] of orderedIds.entries()) {
    await db
      .updateTable('training_lessons')
      .set({ position: i + 1 })
      .where('id', '=', id)
      .where('course_id', '=', courseId)
      .execute();
  }
}

/** Locks the course row so concurrent lesson edits of one course serialise. */
export async function lockCourse(db: Executor, courseId: string): Promise<boolean> {
  return !!(await db.selectFrom('training_courses').select('id').where('id', '=', courseId).forUpdate().executeTakeFirst());
}

/** Marks a lesson read; reading it again keeps the first time. */
export async function insertLessonProgress(db: Executor, row: T['training_lesson_progress']): Promise<void> {
  await db
    .insertInto('training_lesson_progress')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'lesson_id']).doNothing())
    .execute();
}

export async function listCompletedLessons(db: Executor, userId: string, courseIds: string[]) {
  if (!courseIds.length) return [];
  return db
    .selectFrom('training_lesson_progress')
    .select(['lesson_id', 'course_id', 'completed_at'])
    .where('user_id', '=', userId)
    .where('course_id', 'in', courseIds)
    .execute();
}

/** Number of lessons per course. */
export async function countLessons(db: Executor, courseIds: string[]): Promise<Map<string, number>> {
  if (!courseIds.length) return new Map();
  const rows = await db
    .selectFrom('training_lessons')
    .select(['course_id', db.fn.countAll<number>().as('n')])
    .where('course_id', 'in', courseIds)
    .groupBy('course_id')
    .execute();
  return new Map(rows.map((r) => [r.course_id, Number(r.n)]));
}

/** Revokes a certificate that is still valid (conditional: one winner); undefined when it is not. */
export const revokeCertificate = (db: Executor, number: string, reason: string, at: Date) =>
  db
    .updateTable('training_certificates')
    .set({ status: 'revoked', revoked_at: at, revoke_reason: reason })
    .where('number', '=', number)
    .where('status', '=', 'valid')
    .returningAll()
    .executeTakeFirst();
