import { PASSWORD_PATTERN, PERSON_NAME_PATTERN } from '@user-service/user-domain';
import { Type, type Static } from 'typebox';

/**
 * Request and response schemas. Fastify validates requests against them, serializes responses through
 * them (so a field not listed here can never leak into a response), and @fastify/swagger publishes them.
 */

export const Email = Type.String({ format: 'email', maxLength: 254, description: 'Compared case-insensitively' });
export const Username = Type.String({
  pattern: '^[A-Za-z0-9_.-]{3,32}$',
  description: '3–32 of A–Z, a–z, 0–9, _ . -; unique case-insensitively',
});
export const Password = Type.String({
  minLength: 8,
  maxLength: 128,
  pattern: PASSWORD_PATTERN,
  description: '8–128 characters; well-formed Unicode without control characters',
});
/** A password to check, not to set: any well-formed string (one with a lone surrogate is no one's password). */
const GivenPassword = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\p{Cs}]+$' });
export const PersonName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: PERSON_NAME_PATTERN,
  description: 'Well-formed text, not blank, without control, line-separator or bidirectional-override characters',
});
const NullablePersonName = Type.Union([PersonName, Type.Null()]);
export const UserId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
/** Every token this API issues is base64url in dot-separated parts. */
export const Token = Type.String({ pattern: '^[A-Za-z0-9._~-]{1,4096}$' });

export const UserIdParams = Type.Object({ id: UserId }, { additionalProperties: false });

export const RegisterBody = Type.Object(
  {
    email: Email,
    username: Username,
    password: Password,
    name: Type.Optional(NullablePersonName),
    surname: Type.Optional(NullablePersonName),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const UpdateProfileBody = Type.Object(
  {
    username: Type.Optional(Username),
    name: Type.Optional(NullablePersonName),
    surname: Type.Optional(NullablePersonName),
  },
  { additionalProperties: false, description: 'null clears name or surname; absent fields stay as they are' },
);

export const ChangeEmailBody = Type.Object({ email: Email }, { additionalProperties: false });
export const TokenBody = Type.Object({ token: Token }, { additionalProperties: false });
export const ChangePasswordBody = Type.Object(
  { currentPassword: GivenPassword, newPassword: Password },
  { additionalProperties: false },
);
/** The user erasing their own account proves it with their password; an admin sends `{}`. */
export const ErasureBody = Type.Object(
  { currentPassword: Type.Optional(GivenPassword) },
  { additionalProperties: false },
);
export const LoginBody = Type.Object(
  { email: Email, password: GivenPassword },
  { additionalProperties: false },
);
export const EmailBody = Type.Object({ email: Email }, { additionalProperties: false });
export const ResetConfirmBody = Type.Object({ token: Token, newPassword: Password }, { additionalProperties: false });

/** Query strings are strings, and nothing is coerced (see app.ts), so a version is a string of digits. */
const VersionParam = (description: string) => Type.String({ pattern: '^[1-9][0-9]{0,14}$', description });

export const GetUserQuery = Type.Object(
  {
    at: Type.Optional(Type.String({ format: 'date-time', description: 'The user as it was at this instant' })),
    version: Type.Optional(VersionParam('The user as it was at this version')),
    minVersion: Type.Optional(
      VersionParam(
        'Read your writes: the answer is never older than this version (an ETag this API returned). ' +
          'While the read model lags behind it, the answer comes from the event store; a version the user ' +
          'has not reached gets 404 VERSION_NOT_FOUND.',
      ),
    ),
  },
  { additionalProperties: false },
);

/** The longest page of history one request returns, and the length of a page when none is asked for. */
export const EVENT_PAGE = Object.freeze({ defaultLimit: 100, maxLimit: 1000 });

export const EventsQuery = Type.Object(
  {
    fromVersion: Type.Optional(VersionParam('The first version of the page @default 1')),
    limit: Type.Optional(
      Type.String({
        pattern: '^(?:[1-9][0-9]{0,2}|1000)$',
        description: `Events per page, 1 to ${EVENT_PAGE.maxLimit} @default ${EVENT_PAGE.defaultLimit}`,
      }),
    ),
  },
  { additionalProperties: false },
);

export const FindUsersQuery = Type.Object(
  { email: Type.Optional(Email), username: Type.Optional(Username) },
  { additionalProperties: false },
);

export const UserView = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    username: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    surname: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('registered'), Type.Literal('confirmed')]),
    version: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
);

export const UserSummaryList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      username: Type.String(),
      status: Type.Union([Type.Literal('registered'), Type.Literal('confirmed')]),
    }),
  ),
});

export const EventList = Type.Object({
  items: Type.Array(
    Type.Object({
      eventId: Type.String(),
      type: Type.String(),
      version: Type.Integer(),
      occurredAt: Type.String({ format: 'date-time' }),
      data: Type.Object({}, { additionalProperties: true }),
    }),
  ),
  next: Type.Optional(
    Type.String({ description: 'The link to the next page, also sent as `Link: <…>; rel="next"`; absent on the last' }),
  ),
});

export const Session = Type.Object({
  token: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the token expires' }),
});

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Machine-readable error code' }),
    detail: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: 'For VALIDATION_FAILED: what was wrong, and where',
      }),
    ),
  },
);

export const Empty = Type.Null({ description: 'No content' });

export const Accepted = Type.Object(
  { status: Type.Literal('accepted') },
  { description: 'Always the same answer, whether or not the account exists' },
);
