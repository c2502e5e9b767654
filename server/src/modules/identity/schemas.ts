import { Type } from 'typebox';
import { Timestamp, Uuid } from '../../platform/schemas.ts';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Last valid day, YYYY-MM-DD (China time)' });
const NullableDay = Type.Union([Day, Type.Null()]);
const PersonName = Type.String({ minLength: 2, maxLength: 40, pattern: '^[\\p{L}·• .-]+$' });
const IdNumber = Type.String({ minLength: 18, maxLength: 18, description: '18-character resident ID number (GB 11643)' });

export const FilePurpose = Type.Union([Type.Literal('id_front'), Type.Literal('id_back'), Type.Literal('business_license')]);

export const UploadQuery = Type.Object({ purpose: FilePurpose });

export const FileView = Type.Object({
  id: Uuid,
  purpose: FilePurpose,
  mime: Type.String(),
  sizeBytes: Type.Integer(),
  createdAt: Timestamp,
});

export const PersonBody = Type.Object(
  {
    name: PersonName,
    idNumber: IdNumber,
    idValidUntil: Type.Optional(Type.Union([Day, Type.Null()], { description: 'null or absent: long-term (长期)' })),
    idFrontFileId: Uuid,
    idBackFileId: Uuid,
  },
  { additionalProperties: false },
);

export const EnterpriseBody = Type.Object(
  {
    companyName: Type.String({ minLength: 2, maxLength: 100 }),
    creditCode: Type.String({ minLength: 18, maxLength: 18, description: 'Unified social credit code (GB 32100)' }),
    licenseValidUntil: Type.Optional(Type.Union([Day, Type.Null()])),
    licenseFileId: Uuid,
    legalRepName: PersonName,
    legalRepIdNumber: IdNumber,
    legalRepIdValidUntil: Type.Optional(Type.Union([Day, Type.Null()])),
    legalRepIdFrontFileId: Uuid,
    legalRepIdBackFileId: Uuid,
  },
  { additionalProperties: false },
);

export const VerificationView = Type.Object({
  id: Uuid,
  userId: Uuid,
  kind: Type.Union([Type.Literal('person'), Type.Literal('enterprise')]),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('approved'),
    Type.Literal('rejected'),
    Type.Literal('withdrawn'),
    Type.Literal('superseded'),
    Type.Literal('expired'),
  ]),
  personName: Type.String({ description: 'Masked: 张*' }),
  idNumber: Type.String({ description: 'Masked: 110***********1234' }),
  idValidUntil: NullableDay,
  idFrontFileId: Uuid,
  idBackFileId: Uuid,
  companyName: Type.Union([Type.String(), Type.Null()]),
  creditCode: Type.Union([Type.String(), Type.Null()], { description: 'Masked' }),
  licenseFileId: Type.Union([Uuid, Type.Null()]),
  licenseValidUntil: NullableDay,
  validUntil: NullableDay,
  rejectReason: Type.Union([Type.String(), Type.Null()]),
  decidedBy: Type.Union([Type.Literal('auto'), Type.Literal('staff'), Type.Null()]),
  decidedAt: Type.Union([Timestamp, Type.Null()]),
  submittedAt: Timestamp,
});

export const MyVerification = Type.Object({
  verified: Type.Boolean(),
  reason: Type.Union([Type.Literal('none'), Type.Literal('expired'), Type.Null()], {
    description: 'Why not verified: none = never approved, expired = documents expired',
  }),
  current: Type.Union([VerificationView, Type.Null()], { description: 'The newest submission' }),
  history: Type.Array(VerificationView),
});

export const ReviewQueueQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const ReviewQueue = Type.Object({ items: Type.Array(VerificationView), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ReviewDetail = Type.Object({
  verification: VerificationView,
  audit: Type.Array(
    Type.Object({
      action: Type.String(),
      actorId: Type.Union([Uuid, Type.Null()]),
      reason: Type.Union([Type.String(), Type.Null()]),
      at: Timestamp,
    }),
  ),
});

/** A rejection reason PostgreSQL can store (no NUL character; text columns refuse it). */
export const RejectBody = Type.Object(
  { reason: Type.String({ minLength: 2, maxLength: 500, pattern: '^[^\\u0000]*$' }) },
  { additionalProperties: false },
);
