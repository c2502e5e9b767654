import type { Executor } from '../../platform/db.ts';
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

export const listStages = (db: Executor) =>
  db.selectFrom('training_stages').selectAll().where('active', '=', true).orderBy('position').execute();
export const findEntryStage = (db: Executor) =>
  db.selectFrom('training_stages').selectAll().where('is_entry', '=', true).where('active', '=', true).executeTakeFirst();

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
