import type { FastifyReply } from 'fastify';
import { actorOf, requireAuth, requirePermission } from '../../platform/auth.ts';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { IdParams, Ok, problems } from '../../platform/schemas.ts';
import { findAuditEntries } from './audit-query.ts';
import { createCaptcha } from './captcha.ts';
import { sendCode } from './codes.ts';
import { ctxOf } from './context.ts';
import { presentAudit, presentMe, presentSession, presentStaff } from './presenter.ts';
import * as s from './schemas.ts';
import * as service from './service.ts';
import type { IssuedSession } from './sessions.ts';
import { clearSessionCookies, setSessionCookies } from './sessions.ts';
import { createStaffUser, listStaffUsers, resetStaffTotp, setStaffRoles } from './staff.ts';
import type { UserRow } from './repo.ts';

/** HTTP endpoints of the accounts module: schema in, service call, presenter out. */
export function registerRoutes(app: App, p: Platform): void {
  const signedIn = (reply: FastifyReply, user: UserRow, session: IssuedSession, client: 'web' | 'app' | undefined) => {
    const base = { user: presentMe(p, user), sessionId: session.id, expiresAt: session.expiresAt.toISOString() };
    if (client === 'app') return { ...base, token: session.token };
    setSessionCookies(p, reply, session);
    return { ...base, csrfToken: session.csrfToken };
  };

  // ---------------------------------------------------------------- auth
  app.post(
    '/api/v1/auth/codes',
    {
      schema: {
        tags: ['auth'],
        summary: 'Send a 6-digit verification code by SMS or e-mail (S5.1b)',
        body: s.SendCodeBody,
        response: { 202: s.SendCodeResult, ...problems(400, 401, 429) },
      },
    },
    async (req, reply) => {
      const r = await sendCode(p, ctxOf(req), req.actor, req.body);
      return reply.code(202).send({ sent: true as const, ...r });
    },
  );

  app.post(
    '/api/v1/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Register a person or enterprise account with a verified phone or e-mail (S5.1a, S5.1b)',
        body: s.RegisterBody,
        response: { 201: s.AuthResult, ...problems(400, 409, 429) },
      },
    },
    async (req, reply) => {
      const { user, session } = await service.registerUser(p, ctxOf(req), req.body);
      return reply.code(201).send(signedIn(reply, user, session, req.body.client));
    },
  );

  app.get(
    '/api/v1/auth/captcha',
    {
      schema: {
        tags: ['auth'],
        summary: 'An image captcha, required after repeated login failures',
        response: { 200: s.CaptchaView, ...problems(429) },
      },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return createCaptcha(p);
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with phone/e-mail and password or code; staff add their TOTP code (S5.1c)',
        body: s.LoginBody,
        response: { 200: s.AuthResult, ...problems(400, 401, 423, 429) },
      },
    },
    async (req, reply) => {
      const { user, session } = await service.login(p, ctxOf(req), req.body);
      return signedIn(reply, user, session, req.body.client);
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      schema: { tags: ['auth'], summary: 'End the current session', response: { 200: Ok, ...problems(401, 403) } },
      preHandler: requireAuth,
    },
    async (req, reply) => {
      await service.logout(p, ctxOf(req), actorOf(req));
      clearSessionCookies(p, reply);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/auth/password/reset',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a code sent to the phone/e-mail; ends all sessions (S5.1d)',
        body: s.ResetPasswordBody,
        response: { 200: Ok, ...problems(400, 429) },
      },
    },
    async (req) => {
      await service.resetPassword(p, ctxOf(req), req.body);
      return { ok: true as const };
    },
  );

  // ---------------------------------------------------------------- me
  app.get(
    '/api/v1/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'The signed-in account (personal data masked)',
        response: { 200: s.MeView, ...problems(401) },
      },
      preHandler: requireAuth,
    },
    async (req) => presentMe(p, await service.getUser(p, actorOf(req).userId)),
  );

  app.patch(
    '/api/v1/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Update profile: display name, avatar, language (S5.3a)',
        body: s.UpdateMeBody,
        response: { 200: s.MeView, ...problems(400, 401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req) => presentMe(p, await service.updateProfile(p, ctxOf(req), actorOf(req), req.body)),
  );

  app.post(
    '/api/v1/me/contact',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Change or add the phone/e-mail: password + code sent to the new address (S5.3a)',
        body: s.ChangeContactBody,
        response: { 200: s.MeView, ...problems(400, 401, 403, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => presentMe(p, await service.changeContact(p, ctxOf(req), actorOf(req), req.body)),
  );

  app.post(
    '/api/v1/me/password',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Change the password (current one required); other sessions end',
        body: s.ChangePasswordBody,
        response: { 200: s.ChangePasswordResult, ...problems(400, 401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req) => ({ ok: true as const, otherSessionsEnded: await service.changePassword(p, ctxOf(req), actorOf(req), req.body) }),
  );

  app.post(
    '/api/v1/me/cancel',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Cancel (注销) the account: refused while obligations remain; personal data is erased (S5.3b)',
        body: s.CancelBody,
        response: { 200: Ok, ...problems(400, 401, 403, 409) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => {
      await service.cancelAccount(p, ctxOf(req), actorOf(req), req.body);
      clearSessionCookies(p, reply);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/v1/me/sessions',
    {
      schema: { tags: ['accounts'], summary: 'My signed-in devices', response: { 200: s.SessionList, ...problems(401) } },
      preHandler: requireAuth,
    },
    async (req) => {
      const actor = actorOf(req);
      return { items: (await service.listMySessions(p, actor)).map((x) => presentSession(x, actor)) };
    },
  );

  app.delete(
    '/api/v1/me/sessions/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign out one of my devices',
        params: IdParams,
        response: { 200: Ok, ...problems(401, 403, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      await service.endMySession(p, ctxOf(req), actorOf(req), req.params.id);
      return { ok: true as const };
    },
  );

  app.delete(
    '/api/v1/me/sessions',
    {
      schema: { tags: ['accounts'], summary: 'Sign out all my other devices', response: { 200: s.EndedCount, ...problems(401, 403) } },
      preHandler: requireAuth,
    },
    async (req) => ({ ok: true as const, ended: await service.endOtherSessions(p, ctxOf(req), actorOf(req)) }),
  );

  // ---------------------------------------------------------------- staff (S6.1)
  app.get(
    '/api/v1/staff/users',
    {
      schema: { tags: ['staff'], summary: 'Staff accounts', response: { 200: s.StaffList, ...problems(401, 403) } },
      preHandler: requirePermission('staff:manage'),
    },
    async () => ({ items: (await listStaffUsers(p)).map((u) => presentStaff(p, u)) }),
  );

  app.post(
    '/api/v1/staff/users',
    {
      schema: {
        tags: ['staff'],
        summary: 'Create a staff account; returns the initial password and TOTP enrolment once',
        body: s.CreateStaffBody,
        response: { 201: s.CreatedStaff, ...problems(400, 401, 403, 409) },
      },
      preHandler: requirePermission('staff:manage'),
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const c = await createStaffUser(p, ctxOf(req), actorOf(req), req.body);
      return reply
        .code(201)
        .send({ user: presentStaff(p, c.user), initialPassword: c.initialPassword, totpSecret: c.totpSecret, otpauthUri: c.otpauthUri });
    },
  );

  app.put(
    '/api/v1/staff/users/:id/roles',
    {
      schema: {
        tags: ['staff'],
        summary: "Replace a staff member's roles",
        params: IdParams,
        body: s.SetRolesBody,
        response: { 200: s.StaffView, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: requirePermission('staff:manage'),
    },
    async (req) => presentStaff(p, await setStaffRoles(p, ctxOf(req), actorOf(req), req.params.id, req.body.roles)),
  );

  app.post(
    '/api/v1/staff/users/:id/totp',
    {
      schema: {
        tags: ['staff'],
        summary: "Re-enrol a staff member's authenticator (lost device): new secret shown once; their sessions end",
        params: IdParams,
        response: { 200: s.TotpEnrolment, ...problems(400, 401, 403, 404) },
      },
      preHandler: requirePermission('staff:manage'),
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return resetStaffTotp(p, ctxOf(req), actorOf(req), req.params.id);
    },
  );

  // ---------------------------------------------------------------- audit (S6.1, GB/T 22239)
  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Security audit log, newest first (keyset pagination)',
        querystring: s.AuditQuery,
        response: { 200: s.AuditList, ...problems(400, 401, 403) },
      },
      preHandler: requirePermission('audit:read'),
    },
    async (req) => {
      const r = await findAuditEntries(p, req.query);
      return { items: r.items.map(presentAudit), nextCursor: r.nextCursor };
    },
  );
}
