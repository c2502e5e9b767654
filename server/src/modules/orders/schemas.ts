import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from '../../platform/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const StatusEnum = Type.Union([
  Type.Literal('pending_payment'),
  Type.Literal('published'),
  Type.Literal('taken'),
  Type.Literal('checked_in'),
  Type.Literal('checked_out'),
  Type.Literal('completed'),
  Type.Literal('settled'),
  Type.Literal('closed'),
  Type.Literal('cancelled'),
  Type.Literal('no_show'),
  Type.Literal('disputed'),
  Type.Literal('held_for_review'),
]);
const RiskLevelEnum = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('unknown')]);
/** The employing company's labor-arbitration risk as couriers see it: the level and a plain explanation, never cases. */
export const EmployerRisk = Type.Object(
  {
    level: RiskLevelEnum,
    explanation: Type.String({ description: "Plain explanation in the caller's language" }),
  },
  {
    additionalProperties: false,
    description: "Labor-arbitration risk of the company posting the order ('unknown': a person or not checked)",
  },
);
const CertLevel = Type.Union([Type.Literal('bronze'), Type.Literal('silver'), Type.Literal('gold')], {
  description: 'Minimum certificate level (gold > silver > bronze); omit for any certified courier',
});
const DateOnly = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (Asia/Shanghai)' });

export const OrderTypeView = Type.Object({
  code: Type.String(),
  nameZh: Type.String(),
  nameEn: Type.String(),
  active: Type.Boolean(),
  sort: Type.Integer(),
});
export const OrderTypeList = Type.Object({ items: Type.Array(OrderTypeView) });
export const OrderTypeParams = Type.Object({ code: Type.String({ pattern: '^[a-z_]{2,32}$' }) });
export const OrderTypeBody = Type.Object(
  {
    nameZh: Type.String({ minLength: 1, maxLength: 20 }),
    nameEn: Type.String({ minLength: 1, maxLength: 40 }),
    active: Type.Optional(Type.Boolean()),
    sort: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  },
  { additionalProperties: false },
);

export const RulesView = Type.Object({
  minHourlyPayFen: Type.Integer(),
  minShiftMinutes: Type.Integer(),
  maxShiftMinutes: Type.Integer(),
  payWindowMinutes: Type.Integer({ description: 'payBefore = posting time + this' }),
  cancelCutoffMinutes: Type.Integer({ description: 'Before start; owner cancellations after it pay the larger compensation' }),
  compensationBeforeCutoffPct: Type.Integer({
    description: 'Of pay, to the courier, when the owner cancels a taken order before the cutoff',
  }),
  compensationAfterCutoffPct: Type.Integer({
    description: 'Of pay, to the courier, when the owner cancels a taken order after the cutoff',
  }),
  releaseGraceMinutes: Type.Integer({
    description: 'A courier may release a taken order without penalty this long after taking it (and before the cutoff)',
  }),
  confirmReminderMinutes: Type.Integer(),
  confirmDeadlineMinutes: Type.Integer({ description: 'Unconfirmed this long before start, the order returns to the marketplace' }),
  checkinOpenMinutes: Type.Integer(),
  noShowAfterMinutes: Type.Integer(),
  geofenceM: Type.Integer(),
  confirmHoursWindowMinutes: Type.Integer({ description: 'Owner confirms or disputes hours within this; silence confirms' }),
  weeklyHoursCap: Type.Integer(),
  platformFeePct: Type.Integer(),
  reviewWindowDays: Type.Integer(),
  noShowDecisionDays: Type.Integer({
    description: 'After a no-show the owner re-publishes or is refunded within this many days of the start; then the refund is automatic',
  }),
  penalties: Type.Array(Type.Object({ event: Type.String(), zh: Type.String(), en: Type.String() })),
});

export const PostOrderBody = Type.Object(
  {
    storeId: Uuid,
    typeCode: Type.String({ minLength: 1, maxLength: 32 }),
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.String({ format: 'date-time' }),
    payFen: Type.Number({ description: 'Total pay of the shift in fen (integer, ≥ hourly floor × hours)' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    minCertLevel: Type.Optional(CertLevel),
    brands: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { maxItems: 20 })),
    headcount: Type.Optional(
      Type.Integer({ description: 'People needed: always 1 (post one order per person); anything else is ORDER_HEADCOUNT_UNSUPPORTED' }),
    ),
  },
  { additionalProperties: false },
);
export type PostOrderBody = Static<typeof PostOrderBody>;

export const EditOrderBody = Type.Object(
  {
    typeCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    endsAt: Type.Optional(Type.String({ format: 'date-time' })),
    payFen: Type.Optional(Type.Number()),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    minCertLevel: Type.Optional(Nullable(CertLevel)),
    brands: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { maxItems: 20 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** After a no-show the old shift has started: re-publishing gives the order a new time (pay and escrow stay). */
export const RepublishBody = Type.Object(
  {
    startsAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'New start, in the future (needed: ORDER_REPUBLISH_NEEDS_TIME)' }),
    ),
    endsAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'New end; the shift rules apply (length, pay floor) (needed: ORDER_REPUBLISH_NEEDS_TIME)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });

export const PresenceBody = Type.Object(
  {
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    code: Type.Optional(Type.String({ pattern: '^\\d{6}$', description: 'The code the store shows' })),
  },
  { additionalProperties: false },
);

export const ConfirmHoursBody = Type.Object(
  { verdict: Type.Union([Type.Literal('confirm'), Type.Literal('dispute')]), note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const ReviewBody = Type.Object(
  {
    stars: Type.Integer({ minimum: 1, maximum: 5 }),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { maxItems: 10 })),
    text: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const ReviewView = Type.Object({
  authorRole: Type.String(),
  subjectKind: Type.String(),
  stars: Type.Integer(),
  tags: Type.Array(Type.String()),
  text: Nullable(Type.String()),
  createdAt: Timestamp,
});

export const OrderView = Type.Object(
  {
    id: Type.String(),
    orderNo: Type.String(),
    status: StatusEnum,
    viewer: Type.Union([Type.Literal('owner'), Type.Literal('courier'), Type.Literal('staff'), Type.Literal('market')]),
    storeId: Type.String(),
    storeName: Type.String(),
    regionCode: Type.String(),
    regionName: Type.String(),
    address: Type.String(),
    lat: Type.Number(),
    lng: Type.Number(),
    typeCode: Type.String(),
    startsAt: Timestamp,
    endsAt: Timestamp,
    payFen: Type.Integer(),
    headcount: Type.Integer({ description: 'People needed (always 1)' }),
    description: Nullable(Type.String()),
    minCertLevel: Nullable(CertLevel),
    brands: Type.Array(Type.String()),
    payBefore: Timestamp,
    paySecondsLeft: Nullable(Type.Integer({ description: 'Countdown to payBefore while pending_payment' })),
    modifiableUntil: Nullable(Timestamp),
    cancellableUntil: Nullable(Timestamp),
    cancellationCompensationFen: Nullable(Type.Integer({ description: 'What the courier would get if the owner cancelled now' })),
    releaseFreeUntil: Nullable(Timestamp),
    checkinCode: Nullable(Type.String({ description: 'Owner only: the code the store shows for check-in/out' })),
    courierId: Nullable(Type.String()),
    takenAt: Nullable(Timestamp),
    courierConfirmedAt: Nullable(Timestamp),
    checkedInAt: Nullable(Timestamp),
    checkedOutAt: Nullable(Timestamp),
    confirmHoursBefore: Nullable(Timestamp),
    completedAt: Nullable(Timestamp),
    settledAt: Nullable(Timestamp),
    actions: Type.Array(Type.String(), { description: 'What the caller may do now' }),
    courier: Type.Optional(
      Nullable(
        Type.Object({
          userId: Type.String(),
          maskedName: Nullable(Type.String({ description: 'Real name, masked (张*)' })),
          certificate: Nullable(Type.Object({ number: Type.String(), level: Type.String(), expiresAt: Type.String() })),
          rating: Nullable(Type.Number()),
          ratingCount: Type.Integer(),
        }),
      ),
    ),
    employerRisk: Type.Optional(EmployerRisk),
    myReview: Type.Optional(Nullable(ReviewView)),
    reviewableUntil: Type.Optional(Nullable(Timestamp)),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'OrderView' },
);
export type OrderView = Static<typeof OrderView>;

export const OrderList = Type.Object({ items: Type.Array(Type.Ref('OrderView')), nextCursor: Nullable(Type.String()) });

export const MyOrdersQuery = Type.Object({
  role: Type.Union([Type.Literal('owner'), Type.Literal('courier')], { default: 'owner' }),
  status: Type.Optional(Type.Array(StatusEnum)),
  cursor: Type.Optional(Type.String({ maxLength: 300 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const FindOrdersQuery = Type.Object({
  keyword: Type.Optional(
    Type.String({ minLength: 1, maxLength: 50, description: 'Substring of store name, address or description; 2-character words work' }),
  ),
  region: Type.Optional(Type.String({ pattern: '^\\d{6}$', description: 'GB/T 2260 code of a province, city or district' })),
  dateFrom: Type.Optional(DateOnly),
  dateTo: Type.Optional(DateOnly),
  type: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 })),
  payMinFen: Type.Optional(Type.Integer({ minimum: 0 })),
  payMaxFen: Type.Optional(Type.Integer({ minimum: 0 })),
  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  radiusM: Type.Optional(Type.Integer({ minimum: 100, maximum: 200_000 })),
  sort: Type.Optional(Type.Union([Type.Literal('distance'), Type.Literal('start'), Type.Literal('pay'), Type.Literal('newest')])),
  cursor: Type.Optional(Type.String({ maxLength: 300 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  risk: Type.Optional(
    Type.Array(RiskLevelEnum, {
      maxItems: 4,
      description: 'Only orders whose employer has one of these risk levels, e.g. risk=low&risk=unknown',
    }),
  ),
});

export const MarketItem = Type.Object({
  id: Type.String(),
  orderNo: Type.String(),
  storeName: Type.String(),
  regionCode: Type.String(),
  regionName: Type.String(),
  address: Type.String(),
  lat: Type.Number(),
  lng: Type.Number(),
  typeCode: Type.String(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  payFen: Type.Integer(),
  description: Nullable(Type.String()),
  minCertLevel: Nullable(CertLevel),
  brands: Type.Array(Type.String()),
  publishedAt: Timestamp,
  distanceM: Nullable(Type.Integer()),
  storeRating: Nullable(Type.Number()),
  storeRatingCount: Type.Integer(),
  employerRisk: EmployerRisk,
});
export const MarketList = Type.Object({ items: Type.Array(MarketItem), nextCursor: Nullable(Type.String()) });

export const TimelineView = Type.Object({
  orderId: Type.String(),
  status: StatusEnum,
  events: Type.Array(
    Type.Object({
      action: Type.String(),
      fromStatus: Nullable(Type.String()),
      toStatus: Type.String(),
      actorRole: Type.String(),
      note: Nullable(Type.String()),
      at: Timestamp,
    }),
  ),
});

export const ScheduleQuery = Type.Object({ from: DateOnly, to: DateOnly });
export const ScheduleView = Type.Object({
  days: Type.Array(Type.Object({ date: Type.String(), items: Type.Array(Type.Ref('OrderView')) })),
});

export const FeedView = Type.Object({ url: Type.String(), token: Type.String() });
export const FeedParams = Type.Object({ token: Type.String({ pattern: '^[A-Za-z0-9_-]{20,100}(\\.ics)?$' }) });

export const ReviewList = Type.Object({ items: Type.Array(ReviewView) });
export const RatingParams = Type.Object({ kind: Type.Union([Type.Literal('courier'), Type.Literal('store')]), id: Uuid });
export const RatingView = Type.Object({
  avg: Nullable(Type.Number({ description: 'Hidden (null) for couriers with fewer than 3 ratings' })),
  count: Type.Integer(),
  recent: Type.Array(ReviewView),
});
