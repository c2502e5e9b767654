import { Type } from 'typebox';
import { PageQuery, Timestamp, Uuid } from '../../platform/schemas.ts';
import { STAFF_ROLES } from './policy.ts';

/** Request and response schemas of the accounts endpoints (validation, OpenAPI, the no-leak guard). */

const Channel = Type.Union([Type.Literal('sms'), Type.Literal('email')]);
const Client = Type.Union([Type.Literal('web'), Type.Literal('app')], {
  description: 'app → the token is returned in the body; web (default) → cookies',
});
const Password = Type.String({ minLength: 1, maxLength: 128 });
const Destination = Type.String({ minLength: 3, maxLength: 254, description: 'Mainland mobile number or e-mail address' });
const Locale = Type.Union([Type.Literal('zh-CN'), Type.Literal('en-US')]);

export const SendCodeBody = Type.Object({
  purpose: Type.Union([Type.Literal('register'), Type.Literal('login'), Type.Literal('reset'), Type.Literal('change_contact')]),
  channel: Channel,
  destination: Destination,
});
export const SendCodeResult = Type.Object({
  sent: Type.Literal(true, { description: 'Always true: for login/reset it does not reveal whether an account exists' }),
  expiresInSeconds: Type.Integer(),
  resendAfterSeconds: Type.Integer(),
});

export const RegisterBody = Type.Object({
  kind: Type.Union([Type.Literal('person'), Type.Literal('enterprise')]),
  channel: Channel,
  destination: Destination,
  code: Type.String({ minLength: 1, maxLength: 10 }),
  password: Password,
  displayName: Type.String({ minLength: 1, maxLength: 50 }),
  enterprise: Type.Optional(
    Type.Object({
      companyName: Type.String({ minLength: 1, maxLength: 100 }),
      creditCode: Type.String({ minLength: 18, maxLength: 18, description: 'Unified social credit code (GB 32100)' }),
    }),
  ),
  client: Type.Optional(Client),
});

export const LoginBody = Type.Object({
  identifier: Type.String({ minLength: 3, maxLength: 254, description: 'Phone number or e-mail address' }),
  password: Type.Optional(Password),
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 10, description: 'One-time code (purpose login) instead of the password' })),
  totp: Type.Optional(Type.String({ minLength: 6, maxLength: 6, description: 'Staff: authenticator code' })),
  captchaId: Type.Optional(Type.String({ maxLength: 64 })),
  captchaAnswer: Type.Optional(Type.String({ maxLength: 16 })),
  client: Type.Optional(Client),
});

export const MeView = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('person'), Type.Literal('enterprise'), Type.Literal('staff')]),
  displayName: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()], { description: 'masked' }),
  email: Type.Union([Type.String(), Type.Null()], { description: 'masked' }),
  locale: Locale,
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  enterprise: Type.Union([Type.Object({ companyName: Type.String(), creditCode: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  createdAt: Timestamp,
});

export const AuthResult = Type.Object({
  user: MeView,
  sessionId: Uuid,
  expiresAt: Timestamp,
  token: Type.Optional(Type.String({ description: 'Only for client=app: send as Authorization: Bearer <token>' })),
  csrfToken: Type.Optional(Type.String({ description: 'Only for web: echo in x-csrf-token on writes (also in the dingban_csrf cookie)' })),
});

export const CaptchaView = Type.Object({ captchaId: Type.String(), svg: Type.String() });

export const ResetPasswordBody = Type.Object({
  identifier: Type.String({ minLength: 3, maxLength: 254 }),
  code: Type.String({ minLength: 1, maxLength: 10 }),
  newPassword: Password,
});

export const ChangePasswordBody = Type.Object({ currentPassword: Password, newPassword: Password });
export const ChangePasswordResult = Type.Object({ ok: Type.Literal(true), otherSessionsEnded: Type.Integer() });

export const UpdateMeBody = Type.Object({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  avatarUrl: Type.Optional(Type.Union([Type.String({ maxLength: 500, pattern: '^(https://|/)' }), Type.Null()])),
  locale: Type.Optional(Locale),
  companyName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
});

export const ChangeContactBody = Type.Object({
  channel: Channel,
  destination: Destination,
  code: Type.String({ minLength: 1, maxLength: 10 }),
  password: Password,
});

export const CancelBody = Type.Object({ password: Password });

export const SessionView = Type.Object({
  id: Uuid,
  client: Type.String(),
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
  current: Type.Boolean(),
});
export const SessionList = Type.Object({ items: Type.Array(SessionView) });
export const EndedCount = Type.Object({ ok: Type.Literal(true), ended: Type.Integer() });

const Role = Type.Union(STAFF_ROLES.map((r) => Type.Literal(r)));
export const CreateStaffBody = Type.Object({
  identifier: Type.String({ minLength: 3, maxLength: 254, description: 'Work e-mail or phone number' }),
  displayName: Type.String({ minLength: 1, maxLength: 50 }),
  roles: Type.Array(Role, { minItems: 1, maxItems: STAFF_ROLES.length }),
});
export const StaffView = Type.Object({
  id: Uuid,
  displayName: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.String()),
  status: Type.String(),
  createdAt: Timestamp,
});
export const CreatedStaff = Type.Object({
  user: StaffView,
  initialPassword: Type.String({ description: 'Shown once' }),
  totpSecret: Type.String({ description: 'Base32; shown once' }),
  otpauthUri: Type.String({ description: 'otpauth:// URI for a QR code; shown once' }),
});
export const TotpEnrolment = Type.Object({ totpSecret: Type.String(), otpauthUri: Type.String() });
export const StaffList = Type.Object({ items: Type.Array(StaffView) });
export const SetRolesBody = Type.Object({ roles: Type.Array(Role, { maxItems: STAFF_ROLES.length }) });

export const AuditQuery = Type.Object({
  actor: Type.Optional(Uuid),
  subject: Type.Optional(Uuid),
  action: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  ...PageQuery,
});
export const AuditList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Uuid,
      at: Timestamp,
      actorId: Type.Union([Uuid, Type.Null()]),
      subjectId: Type.Union([Uuid, Type.Null()]),
      action: Type.String(),
      result: Type.String(),
      ip: Type.Union([Type.String(), Type.Null()]),
      userAgent: Type.Union([Type.String(), Type.Null()]),
      detail: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
