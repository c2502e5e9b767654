import { Type } from 'typebox';
import { actorOf, requireAuth, requirePermission } from '../../platform/auth.ts';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { IdParams, problems } from '../../platform/schemas.ts';
import { findMaskedRealName } from '../identity/index.ts';
import { TRAINING_MANAGE } from './policy.ts';
import {
  presentCertificate,
  presentCourse,
  presentLesson,
  presentProgress,
  presentQuestionWithAnswer,
  presentSettings,
  presentStage,
} from './presenter.ts';
import {
  CertificateList,
  CertificateNumberParams,
  CertificateVerification,
  CertificateView,
  CourseBody,
  CourseDetail,
  CourseList,
  CoursePatch,
  CourseView,
  ExamResult,
  LessonBody,
  LessonList,
  LessonOrderBody,
  LessonPatch,
  LessonProgress,
  LessonView,
  Paper,
  QuestionBody,
  QuestionList,
  QuestionView,
  RevokeBody,
  StageBody,
  StageCodeParams,
  StageList,
  StageView,
  StandingSettingsBody,
  StandingSettingsView,
  SubmitBody,
  TrainingPath,
} from './schemas.ts';
import * as service from './service.ts';
import * as repo from './repo.ts';

const tags = ['training'];

export function trainingRoutes(app: App, p: Platform): void {
  const cert = (c: repo.CertificateRow, course: repo.CourseRow) => presentCertificate(c, course, p.clock.now(), p.config.publicUrl);

  app.get(
    '/api/v1/training/path',
    {
      schema: {
        tags,
        summary: 'My training path: stages, what unlocks them, progress and certificates (S5.4b)',
        response: { 200: TrainingPath, ...problems(401) },
      },
      preHandler: [requireAuth],
    },
    async (req) => {
      const actor = actorOf(req);
      const path = await service.getTrainingPath(p, actor);
      const entry = path.stages.find((s) => s.stage.is_entry);
      const { standing, refresher } = path;
      return {
        completedOrders: path.stats.completedOrders,
        daysOnPlatform: path.stats.daysOnPlatform,
        certifiedForOrders: !!entry?.certificate,
        stages: path.stages.map((s) => ({
          stage: presentStage(s.stage),
          course: presentCourse(s.course),
          unlocked: s.unlocked,
          passed: !!s.certificate,
          certificate: s.certificate ? cert(s.certificate, s.course) : null,
          progress: presentProgress(s.progress),
        })),
        standing: {
          score: standing.score,
          countedScore: standing.countedScore,
          minScore: standing.minScore,
          restricted: standing.restricted,
          lastRestoredAt: standing.lastRestoredAt?.toISOString() ?? null,
          restoreAvailableAt: standing.restoreAvailableAt?.toISOString() ?? null,
        },
        mayTakeOrders: !!entry?.certificate && !standing.restricted,
        refresher: refresher && {
          course: presentCourse(refresher.course),
          certificate: refresher.certificate ? cert(refresher.certificate, refresher.course) : null,
          progress: presentProgress(refresher.progress),
        },
      };
    },
  );

  app.get(
    '/api/v1/training/courses/:id',
    {
      schema: { tags, summary: 'A course and its lessons', params: IdParams, response: { 200: CourseDetail, ...problems(401, 404) } },
      preHandler: [requireAuth],
    },
    async (req) => {
      const { course, lessons, progress } = await service.getCourse(p, req.params.id, actorOf(req));
      return {
        course: presentCourse(course),
        lessons: lessons.map((l) => ({ ...presentLesson(l), completed: !!progress?.done.has(l.id) })),
        progress: presentProgress(progress!),
      };
    },
  );

  app.post(
    '/api/v1/training/lessons/:id/complete',
    {
      schema: {
        tags,
        summary: "Mark a lesson read; returns the course's progress (idempotent)",
        params: IdParams,
        response: { 200: LessonProgress, ...problems(401, 404) },
      },
      preHandler: [requireAuth],
    },
    async (req) => service.completeLesson(p, actorOf(req), req.params.id),
  );

  app.post(
    '/api/v1/training/courses/:id/attempts',
    {
      schema: {
        tags,
        summary: 'Start an exam: a randomised, timed paper without answers (S5.4a)',
        params: IdParams,
        response: { 201: Paper, ...problems(401, 403, 404, 409) },
      },
      preHandler: [requireAuth],
    },
    async (req, reply) => {
      const { attempt, questions } = await service.startAttempt(p, actorOf(req), req.params.id);
      return reply.code(201).send({
        attemptId: attempt.id,
        courseId: attempt.course_id,
        startedAt: attempt.started_at.toISOString(),
        deadlineAt: attempt.deadline_at.toISOString(),
        questions,
      });
    },
  );

  app.post(
    '/api/v1/training/attempts/:id/submit',
    {
      schema: {
        tags,
        summary: 'Submit answers; graded on the server, a pass issues or renews the certificate (S5.4a/b)',
        params: IdParams,
        body: SubmitBody,
        response: { 200: ExamResult, ...problems(400, 401, 404, 409) },
      },
      preHandler: [requireAuth],
    },
    async (req) => {
      const r = await service.submitAttempt(p, actorOf(req), req.params.id, req.body.answers);
      return {
        attemptId: r.attempt.id,
        score: r.attempt.score,
        passed: r.attempt.passed,
        level: r.level,
        certificate: r.certificate ? cert(r.certificate, r.course) : null,
        standingRestored: r.standingRestored,
        review: r.review,
      };
    },
  );

  app.get(
    '/api/v1/training/certificates',
    {
      schema: { tags, summary: 'My certificates, newest first', response: { 200: CertificateList, ...problems(401) } },
      preHandler: [requireAuth],
    },
    async (req) => ({ items: (await service.findMyCertificates(p, actorOf(req))).map((c) => cert(c.cert, c.course)) }),
  );

  app.get(
    '/api/v1/certificates/:number/verify',
    {
      schema: {
        tags,
        summary: 'Public: is this certificate genuine and valid? (the QR code target)',
        params: CertificateNumberParams,
        response: { 200: CertificateVerification, ...problems(404) },
      },
    },
    async (req) => {
      const { cert: c, course, valid } = await service.verifyCertificate(p, req.params.number);
      const now = p.clock.now();
      return {
        number: c.number,
        genuine: true as const,
        valid,
        status: c.status === 'valid' && c.expires_at <= now ? 'expired' : c.status,
        level: c.level,
        course: { zh: course.title_zh, en: course.title_en },
        holder: await findMaskedRealName(p, c.user_id),
        issuedAt: c.issued_at.toISOString(),
        expiresAt: c.expires_at.toISOString(),
      };
    },
  );

  // ---- trainers ----
  const manage = { preHandler: [requirePermission(TRAINING_MANAGE)] };
  const adminTags = ['training', 'staff'];

  app.get(
    '/api/v1/training/admin/courses',
    {
      schema: { tags: adminTags, summary: 'All courses (training:manage)', response: { 200: CourseList, ...problems(401, 403) } },
      ...manage,
    },
    async () => ({ items: (await repo.listCourses(p.db)).map(presentCourse) }),
  );

  app.post(
    '/api/v1/training/admin/courses',
    {
      schema: {
        tags: adminTags,
        summary: 'Create a course with exam rules and level thresholds',
        body: CourseBody,
        response: { 201: CourseView, ...problems(400, 401, 403, 409) },
      },
      ...manage,
    },
    async (req, reply) => reply.code(201).send(presentCourse(await service.createCourse(p, req.body, actorOf(req).userId))),
  );

  app.patch(
    '/api/v1/training/admin/courses/:id',
    {
      schema: {
        tags: adminTags,
        summary: 'Change a course (titles, exam, thresholds, validity, active)',
        params: IdParams,
        body: CoursePatch,
        response: { 200: CourseView, ...problems(400, 401, 403, 404) },
      },
      ...manage,
    },
    async (req) => presentCourse(await service.updateCourse(p, req.params.id, req.body, actorOf(req).userId)),
  );

  app.post(
    '/api/v1/training/admin/courses/:id/lessons',
    {
      schema: {
        tags: adminTags,
        summary: 'Add a lesson',
        params: IdParams,
        body: LessonBody,
        response: { 201: LessonView, ...problems(400, 401, 403, 404, 409) },
      },
      ...manage,
    },
    async (req, reply) => reply.code(201).send(presentLesson(await service.addLesson(p, req.params.id, req.body, actorOf(req).userId))),
  );

  app.patch(
    '/api/v1/training/admin/lessons/:id',
    {
      schema: {
        tags: adminTags,
        summary: 'Change a lesson (title, text, images, video)',
        params: IdParams,
        body: LessonPatch,
        response: { 200: LessonView, ...problems(400, 401, 403, 404) },
      },
      ...manage,
    },
    async (req) => presentLesson(await service.updateLesson(p, req.params.id, req.body, actorOf(req).userId)),
  );

  app.delete(
    '/api/v1/training/admin/lessons/:id',
    {
      schema: {
        tags: adminTags,
        summary: 'Delete a lesson; the others close up',
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Literal(true) }), ...problems(401, 403, 404) },
      },
      ...manage,
    },
    async (req) => {
      await service.deleteLesson(p, req.params.id, actorOf(req).userId);
      return { ok: true as const };
    },
  );

  app.put(
    '/api/v1/training/admin/courses/:id/lesson-order',
    {
      schema: {
        tags: adminTags,
        summary: "Reorder a course's lessons (every lesson exactly once)",
        params: IdParams,
        body: LessonOrderBody,
        response: { 200: LessonList, ...problems(400, 401, 403, 404) },
      },
      ...manage,
    },
    async (req) => ({
      items: (await service.reorderLessons(p, req.params.id, req.body.lessonIds, actorOf(req).userId)).map(presentLesson),
    }),
  );

  app.get(
    '/api/v1/training/admin/courses/:id/questions',
    {
      schema: {
        tags: adminTags,
        summary: 'The question bank with answers (trainers only)',
        params: IdParams,
        response: { 200: QuestionList, ...problems(401, 403, 404) },
      },
      ...manage,
    },
    async (req) => ({ items: (await service.listQuestions(p, req.params.id)).map(presentQuestionWithAnswer) }),
  );

  app.post(
    '/api/v1/training/admin/courses/:id/questions',
    {
      schema: {
        tags: adminTags,
        summary: 'Add a single-choice, multiple-choice or true/false question',
        params: IdParams,
        body: QuestionBody,
        response: { 201: QuestionView, ...problems(400, 401, 403, 404) },
      },
      ...manage,
    },
    async (req, reply) =>
      reply.code(201).send(presentQuestionWithAnswer(await service.addQuestion(p, req.params.id, req.body, actorOf(req).userId))),
  );

  app.delete(
    '/api/v1/training/admin/questions/:id',
    {
      schema: {
        tags: adminTags,
        summary: 'Retire a question (kept for past papers, no longer drawn)',
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Literal(true) }), ...problems(401, 403, 404) },
      },
      ...manage,
    },
    async (req) => {
      await service.retireQuestion(p, req.params.id, actorOf(req).userId);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/training/admin/certificates/:number/revoke',
    {
      schema: {
        tags: adminTags,
        summary: 'Revoke a valid certificate with a reason (audited; the holder is notified)',
        params: CertificateNumberParams,
        body: RevokeBody,
        response: { 200: CertificateView, ...problems(400, 401, 403, 404, 409) },
      },
      ...manage,
    },
    async (req) => {
      const c = await service.revokeCertificate(p, req.params.number, req.body.reason, actorOf(req).userId);
      return cert(c, (await repo.findCourse(p.db, c.course_id))!);
    },
  );

  app.get(
    '/api/v1/training/admin/stages',
    {
      schema: {
        tags: adminTags,
        summary: 'Stages of the training path, inactive ones too',
        response: { 200: StageList, ...problems(401, 403) },
      },
      ...manage,
    },
    async () => ({ items: (await repo.listAllStages(p.db)).map(presentStage) }),
  );

  app.get(
    '/api/v1/training/admin/settings',
    {
      schema: {
        tags: adminTags,
        summary: 'The standing rules: minimum reliability score and refresher cool-down (S5.4)',
        response: { 200: StandingSettingsView, ...problems(401, 403) },
      },
      ...manage,
    },
    async () => presentSettings(await service.standingSettings(p.db)),
  );

  app.put(
    '/api/v1/training/admin/settings',
    {
      schema: {
        tags: adminTags,
        summary: 'Change the standing rules (audited; the order gate uses them at once)',
        body: StandingSettingsBody,
        response: { 200: StandingSettingsView, ...problems(400, 401, 403) },
      },
      ...manage,
    },
    async (req) => presentSettings(await service.updateStandingSettings(p, req.body, actorOf(req).userId)),
  );

  app.put(
    '/api/v1/training/admin/stages/:code',
    {
      schema: {
        tags: adminTags,
        summary: 'Create or change a stage and its unlock thresholds',
        params: StageCodeParams,
        body: StageBody,
        response: { 200: StageView, ...problems(400, 401, 403, 404, 409) },
      },
      ...manage,
    },
    async (req) => presentStage(await service.putStage(p, req.params.code, req.body, actorOf(req).userId)),
  );
}
