import type { CertificateRow, CourseRow, LessonRow, QuestionRow, StageRow } from './repo.ts';
import type { StandingSettings } from './service.ts';

export const presentCourse = (c: CourseRow) => ({
  id: c.id,
  code: c.code,
  title: { zh: c.title_zh, en: c.title_en },
  summary: { zh: c.summary_zh, en: c.summary_en },
  exam: { questionCount: c.exam_question_count, minutes: c.exam_minutes },
  levels: { gold: c.gold_min, silver: c.silver_min, bronze: c.bronze_min },
  certificateValidDays: c.certificate_valid_days,
  active: c.active,
  isRefresher: c.is_refresher,
});

export const presentProgress = (g: { completedLessons: number; totalLessons: number; percent: number }) => ({
  completedLessons: g.completedLessons,
  totalLessons: g.totalLessons,
  percent: g.percent,
});

export const presentLesson = (l: LessonRow) => ({
  id: l.id,
  position: l.position,
  title: l.title,
  bodyMarkdown: l.body_markdown,
  imageUrls: l.image_urls,
  videoUrl: l.video_url,
});

/** Trainer view of a question, answers included (never used for couriers). */
export const presentQuestionWithAnswer = (q: QuestionRow) => ({
  id: q.id,
  kind: q.kind,
  stem: q.stem,
  options: q.options,
  correct: q.correct,
  explanation: q.explanation,
});

export const presentStage = (s: StageRow) => ({
  code: s.code,
  position: s.position,
  name: { zh: s.name_zh, en: s.name_en },
  courseId: s.course_id,
  requirements: { completedOrders: s.min_completed_orders, daysOnPlatform: s.min_days_on_platform },
  isEntry: s.is_entry,
  active: s.active,
});

export const presentSettings = (s: StandingSettings) => ({
  minScore: s.minScore,
  cooldownDays: s.cooldownDays,
  updatedAt: s.updatedAt?.toISOString() ?? null,
  updatedBy: s.updatedBy,
});

export const presentCertificate = (c: CertificateRow, course: CourseRow, now: Date, publicUrl: string) => ({
  number: c.number,
  level: c.level,
  score: c.score,
  course: { id: course.id, title: { zh: course.title_zh, en: course.title_en } },
  status: c.status === 'valid' && c.expires_at <= now ? ('expired' as const) : c.status,
  issuedAt: c.issued_at.toISOString(),
  expiresAt: c.expires_at.toISOString(),
  /** What the QR code in the app encodes: the public page, which shows whether it is genuine and valid. */
  verifyUrl: `${publicUrl}/certificates/${encodeURIComponent(c.number)}`,
  /** The same check as JSON, for other systems. */
  verifyApiUrl: `${publicUrl}/api/v1/certificates/${encodeURIComponent(c.number)}/verify`,
});
