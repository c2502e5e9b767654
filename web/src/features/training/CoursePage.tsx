import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, App as AntApp, Button, Card, Checkbox, Collapse, Modal, Progress, Radio, Result, Space, Spin, Tag, Typography } from 'antd';
import { CheckCircleFilled } from '@ant-design/icons';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { CertificateCard, LEVEL_COLOR } from './TrainingPage.tsx';

type Course = ResponseOf<'/api/v1/training/courses/{id}', 'get'>;
type Paper = ResponseOf<'/api/v1/training/courses/{id}/attempts', 'post'>;
type Graded = ResponseOf<'/api/v1/training/attempts/{id}/submit', 'post'>;

/** A course: its lessons, then the timed exam and its result. */
export function CoursePage() {
  const { id = '' } = useParams();
  const { t, locale, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [course, setCourse] = useState<Course | null>(null);
  const [paper, setPaper] = useState<Paper | null>(null);
  const [result, setResult] = useState<Graded | null>(null);
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    call(api.GET('/api/v1/training/courses/{id}', { params: { path: { id } } })).then(setCourse, (err) => message.error(errorText(err)));
  }, [id, message, errorText]);

  async function start() {
    setStarting(true);
    try {
      setResult(null);
      setPaper(await call(api.POST('/api/v1/training/courses/{id}/attempts', { params: { path: { id } } })));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setStarting(false);
    }
  }

  /** Marks a lesson read on the server and shows the new progress. */
  async function markRead(lessonId: string) {
    try {
      const p = await call(api.POST('/api/v1/training/lessons/{id}/complete', { params: { path: { id: lessonId } } }));
      setCourse(
        (cur) =>
          cur && {
            ...cur,
            progress: { completedLessons: p.completedLessons, totalLessons: p.totalLessons, percent: p.percent },
            lessons: cur.lessons.map((l) => (l.id === lessonId ? { ...l, completed: true } : l)),
          },
      );
    } catch (err) {
      message.error(errorText(err));
    }
  }

  if (!course) return <Spin />;
  const lang = locale === 'en-US' ? 'en' : 'zh';
  const c = course.course;
  if (paper && !result) return <Exam paper={paper} onGraded={setResult} onRestart={() => void start()} />;
  return (
    <>
      <PageHeader title={c.title[lang]} extra={<Link to="/training">{t('training.back')}</Link>} />
      {result && <ExamResult result={result} onRetry={() => void start()} />}
      <Typography.Paragraph type="secondary">{c.summary[lang]}</Typography.Paragraph>
      {course.lessons.length > 0 && (
        <div data-testid="course-progress">
          <Progress percent={course.progress.percent} />
          <Typography.Text type="secondary">
            {t('training.lessonProgress', { done: course.progress.completedLessons, total: course.progress.totalLessons })}
          </Typography.Text>
        </div>
      )}
      <Collapse
        style={{ marginBottom: 12 }}
        items={course.lessons.map((l) => ({
          key: l.id,
          label: (
            <span data-testid={`lesson-${l.position}`}>
              {l.position}. {l.title}{' '}
              {l.completed && <CheckCircleFilled style={{ color: '#52c41a' }} aria-label={t('training.lessonDone')} />}
            </span>
          ),
          children: <Lesson lesson={l} onRead={markRead} />,
        }))}
      />
      <Card>
        <Typography.Paragraph>
          {t('training.examInfo', { count: c.exam.questionCount, minutes: c.exam.minutes, pass: c.levels.bronze })}
        </Typography.Paragraph>
        <Button type="primary" block loading={starting} onClick={() => void start()} data-testid="exam-start">
          {t(result ? 'training.retry' : 'training.startExam')}
        </Button>
      </Card>
    </>
  );
}

function Lesson({ lesson, onRead }: { lesson: Course['lessons'][number]; onRead: (id: string) => Promise<void> }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const done = (
    <div style={{ marginTop: 12 }}>
      {lesson.completed ? (
        <Tag color="success" icon={<CheckCircleFilled />}>
          {t('training.lessonDone')}
        </Tag>
      ) : (
        <Button
          size="small"
          loading={busy}
          data-testid={`lesson-read-${lesson.position}`}
          onClick={() => {
            setBusy(true);
            void onRead(lesson.id).finally(() => setBusy(false));
          }}
        >
          {t('training.markRead')}
        </Button>
      )}
    </div>
  );
  return (
    <div className="lesson">
      <Markdown text={lesson.bodyMarkdown} />
      {lesson.imageUrls.map((u) =>
        // The CSP allows images from this site only; other hosts are offered as links.
        u.startsWith('/') ? (
          <img key={u} src={u} alt="" style={{ maxWidth: '100%', display: 'block', margin: '8px 0' }} />
        ) : (
          <div key={u}>
            <a href={u} target="_blank" rel="noreferrer">
              {t('training.image')}
            </a>
          </div>
        ),
      )}
      {lesson.videoUrl &&
        (lesson.videoUrl.startsWith('/') ? (
          <video src={lesson.videoUrl} controls style={{ width: '100%' }} />
        ) : (
          <a href={lesson.videoUrl} target="_blank" rel="noreferrer">
            {t('training.video')}
          </a>
        ))}
      {done}
    </div>
  );
}

/** Renders the small Markdown subset lessons use (headings, lists, bold) as React text: never as HTML. */
export function Markdown({ text }: { text: string }) {
  const out: ReactNode[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;
  const flush = () => {
    if (!list) return;
    const items = list.items.map((it, i) => <li key={i}>{inline(it)}</li>);
    out.push(list.ordered ? <ol key={out.length}>{items}</ol> : <ul key={out.length}>{items}</ul>);
    list = null;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const ul = /^[-*] (.*)$/.exec(line);
    const ol = /^\d+\. (.*)$/.exec(line);
    if (ul || ol) {
      const ordered = !!ol;
      if (!list || list.ordered !== ordered) {
        flush();
        list = { ordered, items: [] };
      }
      list.items.push((ul ?? ol)![1]!);
      continue;
    }
    flush();
    const h = /^(#{1,6}) (.*)$/.exec(line);
    if (h) out.push(<h4 key={out.length}>{inline(h[2]!)}</h4>);
    else if (line) out.push(<p key={out.length}>{inline(line)}</p>);
  }
  flush();
  return <>{out}</>;
}

function inline(s: string): ReactNode[] {
  return s
    .split(/(\*\*[^*]+\*\*)/)
    .map((part, i) => (part.startsWith('**') && part.endsWith('**') ? <strong key={i}>{part.slice(2, -2)}</strong> : part));
}

function Exam({ paper, onGraded, onRestart }: { paper: Paper; onGraded: (g: Graded) => void; onRestart: () => void }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [answers, setAnswers] = useState<Record<string, string[]>>({});
  const [now, setNow] = useState(() => Date.now());
  const [busy, setBusy] = useState(false);
  const [timedOut, setTimedOut] = useState<string | null>(null);
  const left = Math.max(0, Math.floor((Date.parse(paper.deadlineAt) - now) / 1000));

  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(h);
  }, []);

  const submit = useCallback(async () => {
    setBusy(true);
    try {
      const body = { answers: paper.questions.map((q) => ({ questionId: q.questionId, choices: answers[q.questionId] ?? [] })) };
      onGraded(await call(api.POST('/api/v1/training/attempts/{id}/submit', { params: { path: { id: paper.attemptId } }, body })));
    } catch (err) {
      const text = errorText(err);
      if ((err as { code?: string }).code === 'TRAINING_ATTEMPT_TIMED_OUT') setTimedOut(text);
      else message.error(text);
    } finally {
      setBusy(false);
    }
  }, [answers, paper, onGraded, errorText, message]);

  // Time is up: hand in what there is (the server allows a short network grace after the deadline).
  const [autoSubmitted, setAutoSubmitted] = useState(false);
  useEffect(() => {
    if (left === 0 && !autoSubmitted) {
      setAutoSubmitted(true);
      void submit();
    }
  }, [left, autoSubmitted, submit]);

  const answered = paper.questions.filter((q) => (answers[q.questionId] ?? []).length > 0).length;
  const mm = String(Math.floor(left / 60)).padStart(2, '0');
  const ss = String(left % 60).padStart(2, '0');
  return (
    <>
      <div
        className="exam-bar"
        style={{
          position: 'sticky',
          top: 0,
          zIndex: 5,
          background: '#fff',
          padding: '8px 0',
          display: 'flex',
          justifyContent: 'space-between',
        }}
      >
        <Tag color={left < 60 ? 'red' : 'blue'} data-testid="exam-countdown" style={{ fontSize: 16, padding: '4px 8px' }}>
          {t('training.timeLeft')} {mm}:{ss}
        </Tag>
        <span>{t('training.answered', { n: answered, total: paper.questions.length })}</span>
      </div>
      {timedOut && (
        <Alert
          type="error"
          showIcon
          title={timedOut}
          action={
            <Button size="small" onClick={onRestart}>
              {t('training.retry')}
            </Button>
          }
          style={{ marginBottom: 12 }}
        />
      )}
      {paper.questions.map((q, i) => (
        <Card key={q.questionId} size="small" style={{ marginBottom: 8 }} data-testid="exam-question" data-question-id={q.questionId}>
          <div style={{ fontWeight: 600, marginBottom: 8 }}>
            {i + 1}. <span data-testid="exam-stem">{q.stem}</span> <Tag>{t(`training.kind.${q.kind}` as MessageKey)}</Tag>
          </div>
          {q.kind === 'multiple' ? (
            <Checkbox.Group
              value={answers[q.questionId] ?? []}
              onChange={(v) => setAnswers((a) => ({ ...a, [q.questionId]: (v as string[]).slice().sort() }))}
            >
              <Space orientation="vertical">
                {q.options.map((o) => (
                  <Checkbox key={o.key} value={o.key}>
                    <span data-testid={`opt-${o.key}`}>
                      {o.key}. {o.text}
                    </span>
                  </Checkbox>
                ))}
              </Space>
            </Checkbox.Group>
          ) : (
            <Radio.Group
              value={answers[q.questionId]?.[0]}
              onChange={(e) => setAnswers((a) => ({ ...a, [q.questionId]: [e.target.value as string] }))}
            >
              <Space orientation="vertical">
                {q.options.map((o) => (
                  <Radio key={o.key} value={o.key}>
                    <span data-testid={`opt-${o.key}`}>{q.kind === 'true_false' ? o.text : `${o.key}. ${o.text}`}</span>
                  </Radio>
                ))}
              </Space>
            </Radio.Group>
          )}
        </Card>
      ))}
      <Button
        type="primary"
        block
        size="large"
        loading={busy}
        data-testid="exam-submit"
        onClick={() => {
          if (answered < paper.questions.length)
            Modal.confirm({ title: t('training.unanswered', { n: paper.questions.length - answered }), onOk: () => void submit() });
          else void submit();
        }}
      >
        {t('training.submitExam')}
      </Button>
    </>
  );
}

function ExamResult({ result, onRetry }: { result: Graded; onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <Card style={{ marginBottom: 12 }} data-testid="exam-result">
      <Result
        status={result.passed ? 'success' : 'error'}
        title={t(result.passed ? 'training.resultPassed' : 'training.resultFailed', { score: result.score })}
        subTitle={
          result.level ? (
            <Tag color={LEVEL_COLOR[result.level]}>{t(`training.level.${result.level}` as MessageKey)}</Tag>
          ) : (
            t('training.failedHint')
          )
        }
        extra={
          !result.passed && (
            <Button type="primary" onClick={onRetry} data-testid="exam-retry">
              {t('training.retry')}
            </Button>
          )
        }
      />
      {result.standingRestored && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="standing-restored"
          title={t('training.standingRestored')}
          description={t('training.standingRestoredHint')}
        />
      )}
      {result.certificate && <CertificateCard c={result.certificate} />}
      <Collapse
        size="small"
        items={[
          {
            key: 'review',
            label: t('training.review'),
            children: result.review.map((r, i) => (
              <div key={r.questionId} style={{ marginBottom: 6 }}>
                <Tag color={r.correct ? 'success' : 'error'}>{i + 1}</Tag>
                {t('training.correctAnswer')}: {r.correctChoices.join(', ')} — {r.explanation}
              </div>
            )),
          },
        ]}
      />
    </Card>
  );
}
