import type { ColumnType } from 'kysely';

/** jsonb: read as the value, written as its JSON text (pg would turn a JS array into a SQL array). */
type Json<T> = ColumnType<T, string, string>;

/** Tables of the training module (S5.4). Data classes per column: L1 public · L2 internal · L3 personal. */
export interface TrainingTables {
  training_courses: {
    id: string; // L1
    code: string; // L1
    title_zh: string; // L1
    title_en: string; // L1
    summary_zh: string; // L1
    summary_en: string; // L1
    exam_question_count: number; // L1
    exam_minutes: number; // L1
    gold_min: number; // L1
    silver_min: number; // L1
    bronze_min: number; // L1
    certificate_valid_days: number; // L1
    active: boolean; // L1
    /** The refresher: passing it while restricted restores standing (at most one course). */
    is_refresher: boolean; // L1
    created_at: Date; // L2
  };
  training_lessons: {
    id: string; // L1
    course_id: string; // L1
    position: number; // L1
    title: string; // L1
    body_markdown: string; // L1
    image_urls: Json<string[]>; // L1 (jsonb)
    video_url: string | null; // L1
  };
  training_questions: {
    id: string; // L2
    course_id: string; // L2
    kind: QuestionKind; // L2
    stem: string; // L2
    options: Json<QuestionOption[]>; // L2 (jsonb)
    correct: Json<string[]>; // L2 (jsonb) — never sent before submission
    explanation: string; // L2
    active: boolean; // L2
    created_at: Date; // L2
  };
  training_stages: {
    id: string; // L1
    code: string; // L1
    position: number; // L1
    name_zh: string; // L1
    name_en: string; // L1
    course_id: string; // L1
    min_completed_orders: number; // L1
    min_days_on_platform: number; // L1
    is_entry: boolean; // L1
    active: boolean; // L1
  };
  training_attempts: {
    id: string; // L2
    user_id: string; // L2
    course_id: string; // L2
    paper: Json<PaperItem[]>; // L2 (jsonb)
    started_at: Date; // L2
    deadline_at: Date; // L2
    submitted_at: Date | null; // L2
    answers: ColumnType<Record<string, string[]> | null, string | null, string | null>; // L2 (jsonb)
    score: number | null; // L2
    passed: boolean | null; // L2
  };
  training_certificates: {
    id: string; // L2
    number: string; // L1 (public, verifiable)
    user_id: string; // L2
    course_id: string; // L2
    attempt_id: string; // L2
    level: CertificateLevel; // L1
    score: number; // L2
    status: 'valid' | 'superseded' | 'expired' | 'revoked'; // L1
    issued_at: Date; // L1
    expires_at: Date; // L1
    reminded_at: Date | null; // L2
    revoked_at: Date | null; // L2
    revoke_reason: string | null; // L2
  };
  /** Append-only (trigger-enforced): each time a refresher pass restored a courier's standing. */
  training_standing_restorations: {
    id: string; // L2
    user_id: string; // L2
    course_id: string; // L2
    attempt_id: string; // L2
    certificate_id: string; // L2
    score_before: number; // L2 — the reliability score the gate counted before restoring
    restored_at: Date; // L2
  };
  /** One row: the standing rules trainers edit in the console (S5.4). */
  training_settings: {
    id: boolean; // L1
    standing_min_score: number; // L1
    refresher_cooldown_days: number; // L1
    updated_at: Date | null; // L2
    updated_by: string | null; // L2
  };
  training_lesson_progress: {
    user_id: string; // L2
    lesson_id: string; // L2
    course_id: string; // L2
    completed_at: Date; // L2
  };
}

export type QuestionKind = 'single' | 'multiple' | 'true_false';
export interface QuestionOption {
  key: string;
  text: string;
}
/** One question of a drawn paper: which question, and the (shuffled) order its options are shown in. */
export interface PaperItem {
  questionId: string;
  optionOrder: string[];
}
export type CertificateLevel = 'gold' | 'silver' | 'bronze';
