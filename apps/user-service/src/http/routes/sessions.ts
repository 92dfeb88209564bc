import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UserApplication } from '../../application/users.js';
import { callerOf } from '../request-context.js';
import { Accepted, Empty, LoginBody, Problem, ResetConfirmBody, ResetRequestBody, Session } from '../schemas.js';

export interface SessionRoutesOptions {
  readonly users: UserApplication;
  readonly fingerprintSecret: string;
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
}

/** Login and password reset: the routes anyone may call, and so the ones that are rate limited. */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (app, options) => {
  const { users, fingerprintSecret } = options;
  const rateLimit = { max: options.rateLimit.max, timeWindow: options.rateLimit.windowMs };

  app.post(
    '/sessions',
    {
      config: { rateLimit },
      schema: {
        summary: 'Log in with email and password',
        tags: ['sessions'],
        body: LoginBody,
        response: { 200: Session, 400: Problem, 401: Problem, 429: Problem },
      },
    },
    async (request) => {
      const { token, expiresIn } = await users.login(request.body.email, request.body.password);
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
        body: ResetRequestBody,
        response: { 202: Accepted, 400: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      await users.requestPasswordReset(request.body.email, callerOf(request, fingerprintSecret));
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
        response: { 204: Empty, 400: Problem, 422: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      await users.completePasswordReset(
        request.body.token,
        request.body.newPassword,
        callerOf(request, fingerprintSecret),
      );
      return reply.code(204).send(null);
    },
  );
};
