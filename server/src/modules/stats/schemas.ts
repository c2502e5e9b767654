import { Type } from 'typebox';
import { Uuid } from '../../platform/schemas.ts';

const Month = Type.String({ pattern: '^(20[0-9]{2})-(0[1-9]|1[0-2])$', description: 'YYYY-MM (China time)' });
const Day = Type.String({
  pattern: '^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  format: 'date',
  description: 'YYYY-MM-DD (China time)',
});
const Fen = Type.Integer({ description: 'Amount in fen (1/100 CNY)' });

export const OwnerMonthQuery = Type.Object({
  month: Type.Optional(Month),
  ownerId: Type.Optional(Uuid),
});

const OwnerStoreMonth = Type.Object({
  storeId: Uuid,
  storeName: Type.String(),
  posted: Type.Integer(),
  filled: Type.Integer(),
  cancelled: Type.Integer(),
  settled: Type.Integer(),
  spendFen: Fen,
  committedFen: Fen,
});

export const OwnerMonthView = Type.Object({
  ownerId: Uuid,
  month: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  posted: Type.Integer({ description: 'Orders paid and published whose shift starts in the month' }),
  filled: Type.Integer({ description: 'Of those, taken by a courier' }),
  fillRate: Type.Union([Type.Number(), Type.Null()]),
  cancelled: Type.Integer(),
  settled: Type.Integer(),
  spendFen: Fen,
  committedFen: Fen,
  stores: Type.Array(OwnerStoreMonth),
});

export const CourierWeekQuery = Type.Object({
  weekStart: Type.Optional(Day),
  courierId: Type.Optional(Uuid),
});

const CourierDay = Type.Object({
  date: Type.String(),
  shifts: Type.Integer(),
  shiftEarningsFen: Fen,
  feeFen: Fen,
  otherCreditsFen: Fen,
});

export const CourierWeekView = Type.Object({
  courierId: Uuid,
  weekStart: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  shifts: Type.Integer(),
  shiftEarningsFen: Fen,
  feeFen: Fen,
  otherCreditsFen: Fen,
  totalFen: Fen,
  days: Type.Array(CourierDay),
});

export const RangeQuery = Type.Object({
  from: Day,
  to: Day,
  provinceCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
});

const AsOf = Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the rollups were last refreshed' });

export const FillView = Type.Object({
  asOf: AsOf,
  from: Type.String(),
  to: Type.String(),
  items: Type.Array(
    Type.Object({
      day: Type.String(),
      provinceCode: Type.String(),
      posted: Type.Integer(),
      filled: Type.Integer(),
      fillRate: Type.Union([Type.Number(), Type.Null()]),
      medianFillSeconds: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
});

export const GmvView = Type.Object({
  asOf: AsOf,
  from: Type.String(),
  to: Type.String(),
  items: Type.Array(
    Type.Object({ month: Type.String(), gmvFen: Fen, settled: Type.Integer(), posted: Type.Integer(), filled: Type.Integer() }),
  ),
});

export const RetentionView = Type.Object({
  asOf: AsOf,
  items: Type.Array(Type.Object({ cohort: Type.String(), monthsAfter: Type.Integer(), active: Type.Integer() })),
});

export const RefreshView = Type.Object({ days: Type.Integer(), newCourierMonths: Type.Integer() });
