import { Type } from 'typebox';
import { Timestamp, Uuid } from '../../platform/schemas.ts';

const Text2 = Type.Object({ zh: Type.String(), en: Type.String() });
const Level = Type.Union([Type.Literal('gold'), Type.Literal('silver'), Type.Literal('bronze')]);
const Kind = Type.Union([Type.Literal('single'), Type.Literal('multiple'), Type.Literal('true_false')]);
/** Free text that PostgreSQL can store: anything but the NUL character (text columns refuse it). */
const NO_NUL = '^[^\\u0000]*$';
const MediaUrl = Type.String({ maxLength: 500, pattern: '^(https://|/)[^\\s"<>]*$', description: 'https:// or site-relative URL' });

export const CourseView = Type.Object({
  id: Uuid,
  code: Type.String(),
  title: Text2,
  summary: Text2,
  exam: Type.Object({ questionCount: Type.Integer(), minutes: Type.Integer() }),
  levels: Type.Object(
    { gold: Type.Integer(), silver: Type.Integer(), bronze: Type.Integer() },
    { description: 'Minimum score per certificate level' },
  ),
  certificateValidDays: Type.Integer(),
  active: Type.Boolean(),
  isRefresher: Type.Boolean({ description: 'The refresher: passing it while restricted restores standing (S5.4)' }),
});

export const CourseProgress = Type.Object({
  completedLessons: Type.Integer(),
  totalLessons: Type.Integer(),
  percent: Type.Integer({ minimum: 0, maximum: 100 }),
});

export const LessonView = Type.Object({
  id: Uuid,
  position: Type.Integer(),
  title: Type.String(),
  bodyMarkdown: Type.String({ description: 'Markdown; clients render it escaped' }),
  imageUrls: Type.Array(Type.String()),
  videoUrl: Type.Union([Type.String(), Type.Null()]),
});

export const CourseDetail = Type.Object({
  course: CourseView,
  lessons: Type.Array(Type.Object({ ...LessonView.properties, completed: Type.Boolean({ description: 'The caller has marked it read' }) })),
  progress: CourseProgress,
});

export const LessonProgress = Type.Object({ courseId: Uuid, ...CourseProgress.properties });

export const StageView = Type.Object({
  code: Type.String(),
  position: Type.Integer(),
  name: Text2,
  courseId: Uuid,
  requirements: Type.Object({ completedOrders: Type.Integer(), daysOnPlatform: Type.Integer() }),
  isEntry: Type.Boolean(),
  active: Type.Boolean({ description: 'Inactive stages are not on the courier path (trainers still see them)' }),
});

export const CertificateView = Type.Object({
  number: Type.String(),
  level: Level,
  score: Type.Integer(),
  course: Type.Object({ id: Uuid, title: Text2 }),
  status: Type.Union([Type.Literal('valid'), Type.Literal('superseded'), Type.Literal('expired'), Type.Literal('revoked')]),
  issuedAt: Timestamp,
  expiresAt: Timestamp,
  verifyUrl: Type.String({ description: 'The public verification page (the QR code content)' }),
  verifyApiUrl: Type.String({ description: 'The same check as JSON' }),
});

export const TrainingPath = Type.Object({
  completedOrders: Type.Integer(),
  daysOnPlatform: Type.Integer(),
  certifiedForOrders: Type.Boolean({ description: 'Holds a valid entry-stage certificate (S5.4a)' }),
  stages: Type.Array(
    Type.Object({
      stage: StageView,
      course: CourseView,
      unlocked: Type.Boolean(),
      passed: Type.Boolean(),
      certificate: Type.Union([CertificateView, Type.Null()]),
      progress: CourseProgress,
    }),
  ),
  standing: Type.Object(
    {
      score: Type.Integer({ description: 'Reliability score over the window, every counted event' }),
      countedScore: Type.Integer({ description: 'What the gate counts: events after the last restoration' }),
      minScore: Type.Integer(),
      restricted: Type.Boolean({ description: 'Below minScore: no orders until the refresher is passed' }),
      lastRestoredAt: Type.Union([Timestamp, Type.Null()]),
      restoreAvailableAt: Type.Union([Timestamp, Type.Null()], { description: 'Set while a restoration is in its cool-down' }),
    },
    { description: 'Reliability standing and the way back (S5.4)' },
  ),
  mayTakeOrders: Type.Boolean({ description: 'Certified for orders and not restricted' }),
  refresher: Type.Union([
    Type.Object({ course: CourseView, certificate: Type.Union([CertificateView, Type.Null()]), progress: CourseProgress }),
    Type.Null(),
  ]),
});

/** A drawn paper: questions and shuffled options, deliberately without answers or explanations. */
export const Paper = Type.Object({
  attemptId: Uuid,
  courseId: Uuid,
  startedAt: Timestamp,
  deadlineAt: Timestamp,
  questions: Type.Array(
    Type.Object({
      questionId: Uuid,
      kind: Kind,
      stem: Type.String(),
      options: Type.Array(Type.Object({ key: Type.String(), text: Type.String() })),
    }),
  ),
});

export const SubmitBody = Type.Object(
  {
    answers: Type.Array(
      Type.Object(
        { questionId: Uuid, choices: Type.Array(Type.String({ maxLength: 4 }), { maxItems: 10 }) },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

export const ExamResult = Type.Object({
  attemptId: Uuid,
  score: Type.Integer(),
  passed: Type.Boolean(),
  level: Type.Union([Level, Type.Null()]),
  certificate: Type.Union([CertificateView, Type.Null()]),
  standingRestored: Type.Boolean({ description: 'This refresher pass restored the right to take orders' }),
  review: Type.Array(
    Type.Object({ questionId: Uuid, correct: Type.Boolean(), correctChoices: Type.Array(Type.String()), explanation: Type.String() }),
    { description: 'Shown only after submission' },
  ),
});

export const CertificateList = Type.Object({ items: Type.Array(CertificateView) });

export const CertificateNumberParams = Type.Object({ number: Type.String({ minLength: 6, maxLength: 40, pattern: '^[A-Za-z0-9-]+$' }) });

export const CertificateVerification = Type.Object({
  number: Type.String(),
  genuine: Type.Literal(true),
  valid: Type.Boolean(),
  status: Type.String(),
  level: Level,
  course: Text2,
  holder: Type.Union([Type.String(), Type.Null()], { description: 'Masked real name of the holder, e.g. 张*' }),
  issuedAt: Timestamp,
  expiresAt: Timestamp,
});

// ---- trainers ----

export const CourseBody = Type.Object(
  {
    code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,40}$' }),
    titleZh: Type.String({ minLength: 1, maxLength: 100, pattern: NO_NUL }),
    titleEn: Type.String({ minLength: 1, maxLength: 100, pattern: NO_NUL }),
    summaryZh: Type.Optional(Type.String({ maxLength: 2000, pattern: NO_NUL })),
    summaryEn: Type.Optional(Type.String({ maxLength: 2000, pattern: NO_NUL })),
    examQuestionCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    examMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 240 })),
    goldMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    silverMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    bronzeMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    certificateValidDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    active: Type.Optional(Type.Boolean()),
    isRefresher: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const CoursePatch = Type.Partial(Type.Omit(CourseBody, ['code']), { additionalProperties: false });
export const CourseList = Type.Object({ items: Type.Array(CourseView) });

export const LessonBody = Type.Object(
  {
    position: Type.Integer({ minimum: 1, maximum: 1000 }),
    title: Type.String({ minLength: 1, maxLength: 200, pattern: NO_NUL }),
    bodyMarkdown: Type.String({ minLength: 1, maxLength: 50_000, pattern: NO_NUL }),
    imageUrls: Type.Optional(Type.Array(MediaUrl, { maxItems: 20 })),
    videoUrl: Type.Optional(Type.Union([MediaUrl, Type.Null()])),
  },
  { additionalProperties: false },
);

export const LessonPatch = Type.Partial(Type.Omit(LessonBody, ['position']), { additionalProperties: false, minProperties: 1 });
export const LessonOrderBody = Type.Object(
  { lessonIds: Type.Array(Uuid, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export const LessonList = Type.Object({ items: Type.Array(LessonView) });

export const QuestionBody = Type.Object(
  {
    kind: Kind,
    stem: Type.String({ minLength: 2, maxLength: 1000, pattern: NO_NUL }),
    options: Type.Optional(
      Type.Array(
        Type.Object({ key: Type.String({ pattern: '^[A-H]$' }), text: Type.String({ minLength: 1, maxLength: 300, pattern: NO_NUL }) }),
        {
          maxItems: 8,
        },
      ),
    ),
    correct: Type.Array(Type.String({ maxLength: 1 }), { minItems: 1, maxItems: 8 }),
    explanation: Type.Optional(Type.String({ maxLength: 1000, pattern: NO_NUL })),
  },
  { additionalProperties: false },
);
export const QuestionView = Type.Object({
  id: Uuid,
  kind: Kind,
  stem: Type.String(),
  options: Type.Array(Type.Object({ key: Type.String(), text: Type.String() })),
  correct: Type.Array(Type.String()),
  explanation: Type.String(),
});
export const QuestionList = Type.Object({ items: Type.Array(QuestionView) });

export const StageCodeParams = Type.Object({ code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,40}$' }) });
export const StageBody = Type.Object(
  {
    position: Type.Integer({ minimum: 1, maximum: 100 }),
    nameZh: Type.String({ minLength: 1, maxLength: 100, pattern: NO_NUL }),
    nameEn: Type.String({ minLength: 1, maxLength: 100, pattern: NO_NUL }),
    courseId: Uuid,
    minCompletedOrders: Type.Integer({ minimum: 0, maximum: 100_000 }),
    minDaysOnPlatform: Type.Integer({ minimum: 0, maximum: 10_000 }),
    isEntry: Type.Boolean(),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const StageList = Type.Object({ items: Type.Array(StageView) });

export const StandingSettingsView = Type.Object({
  minScore: Type.Integer({ description: 'Below this reliability score a courier may not take orders until the refresher is passed' }),
  cooldownDays: Type.Integer({ description: 'A refresher pass restores standing at most once per this many days' }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  updatedBy: Type.Union([Uuid, Type.Null()]),
});
export const StandingSettingsBody = Type.Object(
  {
    minScore: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    cooldownDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
  },
  { additionalProperties: false },
);

export const RevokeBody = Type.Object(
  { reason: Type.String({ minLength: 2, maxLength: 500, pattern: NO_NUL }) },
  { additionalProperties: false },
);
