import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { normalizeEmail } from '@user-service/user-domain';
import type { FastifyRequest } from 'fastify';
import type { UserApplication } from '../../application/users.js';
import { accountLimits, hasCode, type LimitRule } from '../account-limits.js';
import { callerOf } from '../request-context.js';
import { Accepted, Empty, LoginBody, Problem, ResetConfirmBody, EmailBody, Session } from '../schemas.js';

export interface SessionRoutesOptions {
  readonly users: UserApplication;
  readonly fingerprintSecret: string;
  /** Per client address, on every route here. */
  readonly rateLimit: LimitRule;
  /** Per account, whatever the address: failed logins and confirmations, and reset requests. */
  readonly accountRateLimit: LimitRule;
}

/** The account a body's email names, known or not: the same key either way. */
const emailOf = (request: FastifyRequest) => normalizeEmail((request.body as { email: string }).email);
/** The account a reset token names (its part before the dot), known or not. */
const tokenUserOf = (request: FastifyRequest) => {
  const token = (request.body as { token: string }).token;
  return token.slice(0, Math.max(0, token.indexOf('.')));
};

/** Login, password reset and confirmation re-sends: the routes anyone may call, limited per address and per account. */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (app, options) => {
  const { users, fingerprintSecret } = options;
  const rateLimit = { max: options.rateLimit.max, timeWindow: options.rateLimit.windowMs };
  const perAccount = accountLimits(app, options.accountRateLimit);
  const loginAttempt = perAccount.failures('login', emailOf, hasCode('INVALID_CREDENTIALS'));
  const resetRequest = perAccount.requests('reset-request', emailOf);
  const resendRequest = perAccount.requests('confirmation-resend', emailOf);
  const resetAttempt = perAccount.failures('reset-confirm', tokenUserOf, hasCode('INVALID_TOKEN'));

  app.post(
    '/sessions',
    {
      config: { rateLimit },
      schema: {
        summary: 'Log in with email and password',
        tags: ['sessions'],
        body: LoginBody,
        response: { 200: Session, 400: Problem, 401: Problem, 413: Problem, 415: Problem, 429: Problem },
      },
    },
    async (request) => {
      const { token, expiresIn } = await loginAttempt(request, () => users.login(request.body.email, request.body.password));
      return { token, tokenType: 'Bearer' as const, expiresIn };
    },
  );

  app.post(
    '/password-resets',
    {
      config: { rateLimit },
      schema: {
        summary: 'Mail a password reset token, if the account exists (the answer is the same either way)',
        tags: ['sessions'],
        body: EmailBody,
        response: { 202: Accepted, 400: Problem, 413: Problem, 415: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      await resetRequest(request);
      await users.requestPasswordReset(request.body.email, callerOf(request, fingerprintSecret));
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/email-confirmations',
    {
      config: { rateLimit },
      schema: {
        summary: 'Mail the confirmation token again, if the address is registered and not yet confirmed (the answer is the same either way)',
        tags: ['sessions'],
        body: EmailBody,
        response: { 202: Accepted, 400: Problem, 413: Problem, 415: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      await resendRequest(request);
      await users.resendEmailConfirmation(request.body.email);
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/password-resets/confirm',
    {
      config: { rateLimit },
      schema: {
        summary: 'Set a new password with a reset token; the token is single use and expires',
        tags: ['sessions'],
        body: ResetConfirmBody,
        response: { 204: Empty, 400: Problem, 413: Problem, 415: Problem, 422: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      await resetAttempt(request, () =>
        users.completePasswordReset(request.body.token, request.body.newPassword, callerOf(request, fingerprintSecret)),
      );
      return reply.code(204).send(null);
    },
  );
};
