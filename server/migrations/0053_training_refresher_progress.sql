-- Training: the refresher course as the way back after reliability dropped (S5.4), recorded
-- restorations of standing, and per-lesson progress.

-- At most one course is the refresher; trainers manage it like any other course.
ALTER TABLE training_courses ADD COLUMN is_refresher boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX training_courses_one_refresher ON training_courses (is_refresher) WHERE is_refresher;

-- Passing the refresher while restricted restores standing: reliability events up to `restored_at`
-- no longer count for the order gate. The events themselves stay where orders keeps them (L2, append-only).
CREATE TABLE training_standing_restorations (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  course_id uuid NOT NULL REFERENCES training_courses (id),
  attempt_id uuid NOT NULL UNIQUE REFERENCES training_attempts (id),
  certificate_id uuid NOT NULL REFERENCES training_certificates (id),
  score_before int NOT NULL,
  restored_at timestamptz NOT NULL
);
CREATE INDEX training_standing_restorations_user_idx ON training_standing_restorations (user_id, restored_at DESC);

CREATE FUNCTION training_restorations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'training_standing_restorations is append-only';
END $$;
CREATE TRIGGER training_restorations_no_change BEFORE UPDATE OR DELETE ON training_standing_restorations
  FOR EACH ROW EXECUTE FUNCTION training_restorations_append_only();
CREATE TRIGGER training_restorations_no_truncate BEFORE TRUNCATE ON training_standing_restorations
  FOR EACH STATEMENT EXECUTE FUNCTION training_restorations_append_only();

-- Lessons a courier has read (L2). Deleting a lesson deletes its progress rows.
CREATE TABLE training_lesson_progress (
  user_id uuid NOT NULL,
  lesson_id uuid NOT NULL REFERENCES training_lessons (id) ON DELETE CASCADE,
  course_id uuid NOT NULL REFERENCES training_courses (id),
  completed_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX training_lesson_progress_course_idx ON training_lesson_progress (user_id, course_id);

-- Seed: the refresher course (outside the stages: open to everyone).
INSERT INTO training_courses (id, code, title_zh, title_en, summary_zh, summary_en, exam_question_count, exam_minutes, certificate_valid_days, is_refresher) VALUES
  ('0193a000-0000-7000-8000-000000000003', 'refresher', '复训：守约、到岗与服务规范', 'Refresher: keeping commitments, attendance and service',
   '信用分下降后的复训课程：守约接单、按时到岗与确认、争议与投诉的正确处理。通过考试可恢复接单资格。',
   'The refresher after a reliability drop: taking only what you can keep, attendance and confirmation, disputes and complaints. Passing restores the right to take orders.',
   5, 15, 365, true);

INSERT INTO training_lessons (id, course_id, position, title, body_markdown, image_urls, video_url) VALUES
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 1, '为什么信用分会下降', '## 信用分怎么算

信用分从 100 分起算，只看**最近 90 天**的记录：

- 接单后临近开工才放弃：扣 5 分
- 未按时确认到岗：扣 5 分
- **未到岗**：扣 20 分
- 工时争议被判不成立、被投诉且成立：各扣 10 分

申诉成立的记录不扣分。

## 低于 60 分会怎样

信用分低于 **60 分**时暂停接单，须通过本复训考试恢复。恢复后，之前的记录仍保留在信用记录中，但不再影响接单；之后新的违约会重新计算。', '[]'::jsonb, NULL),
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 2, '守约接单与到岗确认', '## 只接能做到的单

- 接单前确认时间、地点和交通，**不要抢了再说**。
- 确实无法到岗，**尽早放弃**，让站长有时间另找人。

## 到岗

1. 提前到达，在平台**签到**；开工前按要求确认到岗。
2. 离岗前**签退**，工时以平台记录为准。

## 有争议时

先与站长沟通并在平台留下记录；对处理结果不服，可在信用记录中**申诉**。', '[]'::jsonb, NULL);

INSERT INTO training_questions (id, course_id, kind, stem, options, correct, explanation) VALUES
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 'single', '接单后发现自己无法按时到岗，最恰当的做法是？', '[{"key": "A", "text": "不去也不说，等订单自动处理"}, {"key": "B", "text": "尽早在平台放弃并告知站长"}, {"key": "C", "text": "私下找朋友替自己去"}, {"key": "D", "text": "迟到几个小时再去"}]'::jsonb, '["B"]'::jsonb, '越早放弃，站长越有时间另找人；私自转单和未到岗都会扣分。'),
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 'single', '信用分计算的是多长时间内的记录？', '[{"key": "A", "text": "最近 7 天"}, {"key": "B", "text": "最近 30 天"}, {"key": "C", "text": "最近 90 天"}, {"key": "D", "text": "注册以来全部"}]'::jsonb, '["C"]'::jsonb, '只有最近 90 天的记录计入信用分。'),
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 'single', '对工时争议的处理结果不服时，应当？', '[{"key": "A", "text": "在信用记录中提交申诉"}, {"key": "B", "text": "在社交媒体上曝光站长"}, {"key": "C", "text": "以后拒绝该驿站的所有订单并差评"}, {"key": "D", "text": "自行扣留驿站物品"}]'::jsonb, '["A"]'::jsonb, '申诉由平台客服受理，成立的记录不再扣分。'),
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 'multiple', '以下哪些情况会降低信用分？', '[{"key": "A", "text": "未到岗"}, {"key": "B", "text": "未按时确认到岗"}, {"key": "C", "text": "按时签到签退"}, {"key": "D", "text": "被投诉且投诉成立"}]'::jsonb, '["A", "B", "D"]'::jsonb, '按时签到签退是正常履约，不扣分。'),
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 'multiple', '到岗后应当做到？', '[{"key": "A", "text": "在平台签到"}, {"key": "B", "text": "按站长安排完成当班任务"}, {"key": "C", "text": "离岗前在平台签退"}, {"key": "D", "text": "提前离开也不必告知"}]'::jsonb, '["A", "B", "C"]'::jsonb, '工时以平台签到签退记录为准。'),
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 'true_false', '通过复训恢复接单资格后，之前的违约记录会被删除。', '[{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]'::jsonb, '["F"]'::jsonb, '记录保留，只是不再影响接单；恢复本身也会被记录。'),
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 'true_false', '信用分低于 60 分时暂停接单，须通过复训考试才能恢复。', '[{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]'::jsonb, '["T"]'::jsonb, '复训是信用分下降后的恢复途径。'),
  (gen_random_uuid(), '0193a000-0000-7000-8000-000000000003', 'true_false', '接单前应确认时间、地点和交通安排，不能先抢单再说。', '[{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]'::jsonb, '["T"]'::jsonb, '只接能做到的单，是守约的第一步。');
