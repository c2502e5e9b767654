import { Type } from 'typebox';
import { Timestamp } from '../../platform/schemas.ts';

export const CreditCodeParams = Type.Object({ creditCode: Type.String({ minLength: 1, maxLength: 40 }) });

export const CheckQuery = Type.Object({
  fresh: Type.Optional(Type.Boolean({ description: 'Skip both cache levels and ask the provider now' })),
});

export const RiskLevelSchema = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);

export const CaseView = Type.Object({
  caseNo: Type.String(),
  title: Type.String(),
  filedDate: Type.String({ description: 'YYYY-MM-DD' }),
  amountFen: Type.Integer(),
  result: Type.Union([Type.Literal('win'), Type.Literal('lose')]),
  executed: Type.Boolean(),
});

export const DeductionView = Type.Object({
  rule: Type.Union([Type.Literal('recent_cases'), Type.Literal('amount'), Type.Literal('lose_rate'), Type.Literal('unexecuted')]),
  points: Type.Integer({ description: 'Points taken off the 100 start' }),
  label: Type.String({ description: 'What the rule counted, in the negotiated language' }),
  basis: Type.Object({
    cases: Type.Optional(Type.Integer()),
    amountFen: Type.Optional(Type.Integer()),
    lostPercent: Type.Optional(Type.Integer()),
    lostCases: Type.Optional(Type.Integer()),
  }),
});

export const CompanyReportView = Type.Object({
  creditCode: Type.String(),
  companyName: Type.String(),
  score: Type.Integer({ minimum: 0, maximum: 100 }),
  rawScore: Type.Integer(),
  level: RiskLevelSchema,
  threshold: Type.Integer(),
  thresholdSource: Type.Union([Type.Literal('default'), Type.Literal('dynamic')]),
  risky: Type.Boolean(),
  deductions: Type.Array(DeductionView),
  caseCount: Type.Integer(),
  totalAmountFen: Type.Integer(),
  latestCase: Type.Union([CaseView, Type.Null()]),
  cases: Type.Array(CaseView),
  checkedAt: Timestamp,
  alert: Type.Union([Type.Object({ id: Type.String(), severity: Type.String(), reason: Type.String() }), Type.Null()]),
});

export const BatchBody = Type.Object({
  creditCodes: Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 500 }),
});

export const BatchQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')], { default: 'json' })),
});

export const BatchResultView = Type.Object({
  results: Type.Array(
    Type.Object({
      creditCode: Type.String(),
      ok: Type.Boolean(),
      companyName: Type.Optional(Type.String()),
      score: Type.Optional(Type.Integer()),
      level: Type.Optional(RiskLevelSchema),
      caseCount: Type.Optional(Type.Integer()),
      totalAmountFen: Type.Optional(Type.Integer()),
      error: Type.Optional(Type.Object({ code: Type.String(), detail: Type.String() })),
    }),
  ),
});

export const AlertsQuery = Type.Object({
  severity: Type.Optional(Type.Union([Type.Literal('urgent'), Type.Literal('warning'), Type.Literal('info')])),
  creditCode: Type.Optional(Type.String({ maxLength: 40 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const AlertView = Type.Object({
  id: Type.String(),
  creditCode: Type.String(),
  companyName: Type.String(),
  severity: Type.Union([Type.Literal('urgent'), Type.Literal('warning'), Type.Literal('info')]),
  reason: Type.String(),
  score: Type.Integer(),
  threshold: Type.Integer(),
  caseCount: Type.Integer(),
  totalAmountFen: Type.Integer(),
  latestCase: Type.Union([CaseView, Type.Null()]),
  newCaseNos: Type.Array(Type.String()),
  createdAt: Timestamp,
});

export const AlertPage = Type.Object({ items: Type.Array(AlertView), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ThresholdView = Type.Object({
  value: Type.Integer(),
  source: Type.Union([Type.Literal('default'), Type.Literal('dynamic')]),
  percentile: Type.Union([Type.Integer(), Type.Null()]),
  benchmark: Type.Union([Type.Number(), Type.Null()]),
  sampleSize: Type.Integer(),
  distribution: Type.Array(Type.Integer(), { description: 'Companies per 10-point score bin: 0–9 … 90–100' }),
  computedAt: Timestamp,
});

export const ThresholdsView = Type.Object({
  current: Type.Object({
    value: Type.Integer(),
    source: Type.Union([Type.Literal('default'), Type.Literal('dynamic')]),
    computedAt: Type.Union([Timestamp, Type.Null()]),
  }),
  urgentBelow: Type.Integer(),
  /** The live distribution of latest scores of all checked companies. */
  distribution: Type.Array(Type.Integer()),
  history: Type.Array(ThresholdView),
});

export const WatchBody = Type.Object({ creditCode: Type.String({ minLength: 1, maxLength: 40 }) });

export const WatchedView = Type.Object({
  items: Type.Array(
    Type.Object({
      creditCode: Type.String(),
      companyName: Type.Union([Type.String(), Type.Null()]),
      score: Type.Union([Type.Integer(), Type.Null()]),
      level: Type.Union([RiskLevelSchema, Type.Null()]),
      caseCount: Type.Union([Type.Integer(), Type.Null()]),
      checkedAt: Type.Union([Timestamp, Type.Null()]),
      source: Type.String(),
      pending: Type.Boolean({ description: 'Requested but not checked yet' }),
    }),
  ),
});

export const SyncResultView = Type.Object({ checked: Type.Integer(), failed: Type.Integer(), alerts: Type.Integer() });

export const RiskLevelView = Type.Object({
  creditCode: Type.String(),
  companyName: Type.Union([Type.String(), Type.Null()]),
  level: Type.Union([RiskLevelSchema, Type.Literal('unknown')]),
  explanation: Type.String({ description: 'Plain-language meaning of the level, in the negotiated language' }),
  checkedAt: Type.Union([Timestamp, Type.Null()]),
});

/** Held orders (issue 6): the review of an order of a company at level high. */
export const HoldStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('released'),
  Type.Literal('rejected'),
  Type.Literal('expired'),
  Type.Literal('withdrawn'),
]);

export const OrderIdParams = Type.Object({ orderId: Type.String({ format: 'uuid' }) });

export const HoldsQuery = Type.Object({
  status: Type.Optional(HoldStatusSchema),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const HoldView = Type.Object({
  orderId: Type.String(),
  orderNo: Type.String(),
  storeName: Type.String(),
  startsAt: Timestamp,
  payFen: Type.Integer(),
  creditCode: Type.String(),
  companyName: Type.String(),
  score: Type.Integer(),
  caseCount: Type.Integer(),
  totalAmountFen: Type.Integer(),
  latestCase: Type.Union([Type.Object({ title: Type.String(), filedDate: Type.String() }), Type.Null()]),
  status: HoldStatusSchema,
  explanation: Type.String({ description: "Why the order is held, in the caller's language" }),
  response: Type.Union([Type.String(), Type.Null()]),
  respondedAt: Type.Union([Timestamp, Type.Null()]),
  decisionReason: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Timestamp, Type.Null()]),
  heldAt: Timestamp,
});

export const HoldPage = Type.Object({ items: Type.Array(HoldView), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const HoldResponseBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' }) });

export const HoldDecisionBody = Type.Object({
  decision: Type.Union([Type.Literal('release'), Type.Literal('reject')]),
  reason: Type.String({ minLength: 2, maxLength: 500, pattern: '\\S', description: 'Shown to the owner' }),
});
