import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplicationError } from '../../application/errors.js';
import type { CommandResponse, UserApplication } from '../../application/users.js';
import { accountLimits, hasCode, type LimitRule } from '../account-limits.js';
import { callerOf, etag, requireAuth } from '../request-context.js';
import {
  ChangeEmailBody,
  ChangePasswordBody,
  Empty,
  ErasureBody,
  EVENT_PAGE,
  EventList,
  EventsQuery,
  FindUsersQuery,
  GetUserQuery,
  Problem,
  RegisterBody,
  TokenBody,
  UpdateProfileBody,
  UserIdParams,
  UserSummaryList,
  UserView,
} from '../schemas.js';

export interface UserRoutesOptions {
  readonly users: UserApplication;
  readonly fingerprintSecret: string;
  /** Per client address: registrations and password changes. */
  readonly rateLimit: LimitRule;
  /** Per account: failed password changes (a stolen session must not guess the current password freely). */
  readonly accountRateLimit: LimitRule;
}

const bearer = [{ bearerAuth: [] }];
const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, Problem]));
const idempotencyHeaders = {
  type: 'object',
  properties: {
    'idempotency-key': { type: 'string', description: 'Retries with the same key and body answer the original' },
  },
} as const;
const conditionalHeaders = {
  type: 'object',
  properties: {
    ...idempotencyHeaders.properties,
    'if-match': { type: 'string', description: 'The ETag last seen; a stale one gets 412' },
  },
} as const;

/**
 * An RFC 3339 instant as a Date. The schema admits leap seconds (`23:59:60Z`), which no clock of this service
 * records and `Date` cannot hold: such an instant is refused rather than read as "now".
 */
function instant(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new ApplicationError('VALIDATION_FAILED', 'at must be an instant without a leap second, such as 2026-01-31T12:00:00Z');
  }
  return date;
}

/** Registration, reads, profile changes and removal of users. */
export const userRoutes: FastifyPluginAsyncTypebox<UserRoutesOptions> = async (app, options) => {
  const { users, fingerprintSecret } = options;
  const rateLimit = { max: options.rateLimit.max, timeWindow: options.rateLimit.windowMs };
  const passwordAttempt = accountLimits(app, options.accountRateLimit).failures(
    'password-change',
    (request) => (request.params as { id: string }).id,
    hasCode('INVALID_CREDENTIALS'),
  );
  const auth = requireAuth(users);
  const caller = (request: Parameters<typeof callerOf>[0]) => callerOf(request, fingerprintSecret);

  /** A command's user view with its version as ETag; a removed user has no view left to show. */
  const present = (result: CommandResponse) => {
    if (result.user === undefined) throw new ApplicationError('USER_NOT_FOUND', 'no such user');
    return result.user;
  };

  app.post(
    '/users',
    {
      config: { rateLimit },
      schema: {
        summary: 'Register a user; a confirmation token is mailed to the address',
        tags: ['users'],
        headers: idempotencyHeaders,
        body: RegisterBody,
        response: { 201: UserView, ...problems(400, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const user = present(await users.register(request.body, caller(request)));
      return reply.code(201).header('location', `/users/${user.id}`).header('etag', etag(user.version)).send(user);
    },
  );

  app.get(
    '/users',
    {
      preHandler: auth,
      schema: {
        summary:
          'Find users by username (callers with a confirmed email) or by email (admins only); exactly one filter',
        tags: ['users'],
        security: bearer,
        querystring: FindUsersQuery,
        response: { 200: UserSummaryList, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { email, username } = request.query;
      if ((email === undefined) === (username === undefined)) {
        throw new ApplicationError('VALIDATION_FAILED', 'give exactly one of email and username');
      }
      const filter = email !== undefined ? { email } : { username: username ?? '' };
      const items = await users.findUsers(filter, {
        principal: request.principal!,
        ...(request.session ? { session: request.session } : {}),
      });
      return { items };
    },
  );

  app.get(
    '/users/:id',
    {
      preHandler: auth,
      schema: {
        summary: 'A user now, or as it was at an instant or a version',
        tags: ['users'],
        security: bearer,
        params: UserIdParams,
        querystring: GetUserQuery,
        response: { 200: UserView, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { at, version, minVersion } = request.query;
      const principal = request.principal!;
      if ([at, version, minVersion].filter((given) => given !== undefined).length > 1) {
        throw new ApplicationError('VALIDATION_FAILED', 'give at most one of at, version and minVersion');
      }
      const user =
        version !== undefined
          ? await users.getUserAsOf(id, principal, { version: Number(version) })
          : at !== undefined
            ? await users.getUserAsOf(id, principal, { at: instant(at) })
            : await users.getUser(
                id,
                { principal, ...(request.session ? { session: request.session } : {}) },
                minVersion === undefined ? undefined : Number(minVersion),
              );
      return reply.header('etag', etag(user.version)).send(user);
    },
  );

  app.patch(
    '/users/:id',
    {
      preHandler: auth,
      schema: {
        summary: 'Change username, name or surname (null clears name and surname)',
        tags: ['users'],
        security: bearer,
        headers: conditionalHeaders,
        params: UserIdParams,
        body: UpdateProfileBody,
        response: { 200: UserView, ...problems(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = present(await users.updateProfile(request.params.id, request.body, caller(request)));
      return reply.header('etag', etag(user.version)).send(user);
    },
  );

  app.put(
    '/users/:id/email',
    {
      preHandler: auth,
      schema: {
        summary: 'Change the email address; it must be confirmed again',
        tags: ['users'],
        security: bearer,
        headers: conditionalHeaders,
        params: UserIdParams,
        body: ChangeEmailBody,
        response: { 200: UserView, ...problems(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = present(await users.changeEmail(request.params.id, request.body.email, caller(request)));
      return reply.header('etag', etag(user.version)).send(user);
    },
  );

  app.post(
    '/users/:id/email-confirmation',
    {
      schema: {
        summary: 'Confirm the email address with the token that was mailed to it',
        tags: ['users'],
        headers: idempotencyHeaders,
        params: UserIdParams,
        body: TokenBody,
        response: { 200: UserView, ...problems(400, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = present(await users.confirmEmail(request.params.id, request.body.token, caller(request)));
      return reply.header('etag', etag(user.version)).send(user);
    },
  );

  app.put(
    '/users/:id/password',
    {
      config: { rateLimit },
      preHandler: auth,
      schema: {
        summary: 'Change the password; every session, this one included, is revoked: log in again with the new password',
        tags: ['users'],
        security: bearer,
        headers: conditionalHeaders,
        params: UserIdParams,
        body: ChangePasswordBody,
        response: { 204: Empty, ...problems(400, 401, 403, 404, 412, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      await passwordAttempt(request, () => users.changePassword(request.params.id, request.body, caller(request)));
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/users/:id',
    {
      preHandler: auth,
      schema: {
        summary: 'Remove a user; their email and username become free',
        tags: ['users'],
        security: bearer,
        headers: conditionalHeaders,
        params: UserIdParams,
        response: { 204: Empty, ...problems(400, 401, 403, 404, 412, 422) },
      },
    },
    async (request, reply) => {
      await users.remove(request.params.id, caller(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/users/:id/erasure',
    {
      config: { rateLimit },
      preHandler: auth,
      schema: {
        summary:
          'Erase a user for good: removed if not yet, their data key destroyed, a UserErased tombstone recorded and ' +
          'their view scrubbed. The user themself gives their current password; an admin sends {}',
        tags: ['users'],
        security: bearer,
        headers: conditionalHeaders,
        params: UserIdParams,
        body: ErasureBody,
        response: { 204: Empty, ...problems(400, 401, 403, 404, 412, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      // Failed password checks count per account, as for password changes: a stolen session cannot guess.
      await passwordAttempt(request, () =>
        users.erase(request.params.id, request.body.currentPassword, caller(request)),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/users/:id/events',
    {
      preHandler: auth,
      schema: {
        summary: "The user's history, without any secret, a page at a time",
        tags: ['users'],
        security: bearer,
        params: UserIdParams,
        querystring: EventsQuery,
        response: { 200: EventList, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const fromVersion = Number(request.query.fromVersion ?? 1);
      const limit = Number(request.query.limit ?? EVENT_PAGE.defaultLimit);
      const page = await users.events(id, request.principal!, { fromVersion, limit });
      if (page.nextFromVersion === undefined) return { items: page.items };
      const next = `/users/${encodeURIComponent(id)}/events?fromVersion=${page.nextFromVersion}&limit=${limit}`;
      return reply.header('link', `<${next}>; rel="next"`).send({ items: page.items, next });
    },
  );
};
