-- Training module: courses, lessons, question bank, stages, exam attempts and certificates (S5.4a/b).

-- A course: lessons plus one exam with its grading rules (L1: public teaching content).
CREATE TABLE training_courses (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,40}$'),
  title_zh text NOT NULL,
  title_en text NOT NULL,
  summary_zh text NOT NULL DEFAULT '',
  summary_en text NOT NULL DEFAULT '',
  exam_question_count int NOT NULL DEFAULT 10 CHECK (exam_question_count BETWEEN 1 AND 100),
  exam_minutes int NOT NULL DEFAULT 20 CHECK (exam_minutes BETWEEN 1 AND 240),
  gold_min int NOT NULL DEFAULT 90,
  silver_min int NOT NULL DEFAULT 75,
  bronze_min int NOT NULL DEFAULT 60,
  certificate_valid_days int NOT NULL DEFAULT 365 CHECK (certificate_valid_days BETWEEN 1 AND 3650),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (gold_min <= 100 AND gold_min >= silver_min AND silver_min >= bronze_min AND bronze_min >= 1)
);

-- Lessons: Markdown text (rendered escaped by clients), optional images and a short video by URL (L1).
CREATE TABLE training_lessons (
  id uuid PRIMARY KEY,
  course_id uuid NOT NULL REFERENCES training_courses (id),
  position int NOT NULL,
  title text NOT NULL,
  body_markdown text NOT NULL,
  image_urls jsonb NOT NULL DEFAULT '[]',
  video_url text,
  UNIQUE (course_id, position)
);

-- The question bank. `correct` never leaves the server before an attempt is submitted (L2).
CREATE TABLE training_questions (
  id uuid PRIMARY KEY,
  course_id uuid NOT NULL REFERENCES training_courses (id),
  kind text NOT NULL CHECK (kind IN ('single', 'multiple', 'true_false')),
  stem text NOT NULL,
  options jsonb NOT NULL,
  correct jsonb NOT NULL,
  explanation text NOT NULL DEFAULT '',
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_questions_course_idx ON training_questions (course_id) WHERE active;

-- Stages of the training path: the entry stage gates the first order; later ones unlock by orders and days (L1).
CREATE TABLE training_stages (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  position int NOT NULL UNIQUE,
  name_zh text NOT NULL,
  name_en text NOT NULL,
  course_id uuid NOT NULL REFERENCES training_courses (id),
  min_completed_orders int NOT NULL DEFAULT 0 CHECK (min_completed_orders >= 0),
  min_days_on_platform int NOT NULL DEFAULT 0 CHECK (min_days_on_platform >= 0),
  is_entry boolean NOT NULL DEFAULT false,
  active boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX training_stages_one_entry ON training_stages (is_entry) WHERE is_entry;

-- One exam sitting: the drawn paper (question ids and option order), its deadline and result (L2).
CREATE TABLE training_attempts (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  course_id uuid NOT NULL REFERENCES training_courses (id),
  paper jsonb NOT NULL,
  started_at timestamptz NOT NULL,
  deadline_at timestamptz NOT NULL,
  submitted_at timestamptz,
  answers jsonb,
  score int,
  passed boolean
);
CREATE INDEX training_attempts_user_idx ON training_attempts (user_id, started_at DESC);

-- Certificates earned by passing an exam; the number is public and verifiable (L1 number, L2 rest).
CREATE TABLE training_certificates (
  id uuid PRIMARY KEY,
  number text NOT NULL UNIQUE,
  user_id uuid NOT NULL,
  course_id uuid NOT NULL REFERENCES training_courses (id),
  attempt_id uuid NOT NULL UNIQUE REFERENCES training_attempts (id),
  level text NOT NULL CHECK (level IN ('gold', 'silver', 'bronze')),
  score int NOT NULL,
  status text NOT NULL CHECK (status IN ('valid', 'superseded', 'expired', 'revoked')),
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  reminded_at timestamptz
);
-- One valid certificate per user and course: the newest pass replaces the previous one.
CREATE UNIQUE INDEX training_certificates_one_valid ON training_certificates (user_id, course_id) WHERE status = 'valid';
CREATE INDEX training_certificates_expiry_idx ON training_certificates (expires_at) WHERE status = 'valid';
