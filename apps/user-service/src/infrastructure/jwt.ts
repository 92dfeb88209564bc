import { createSigner, createVerifier } from 'fast-jwt';
import type { Role, SessionClaims, TokenService } from '../application/ports.js';

export interface JwtOptions {
  /** The HMAC key; at least 32 bytes. */
  readonly secret: string;
  readonly sessionTtlSeconds: number;
  readonly emailConfirmationTtlSeconds: number;
  /** Milliseconds since the epoch; replace it in tests. @default Date.now */
  readonly now?: () => number;
}

const ISSUER = 'user-service';
// Each kind of token has its own audience, so a confirmation token can never open a session.
const SESSION_AUDIENCE = 'user-service:session';
const CONFIRMATION_AUDIENCE = 'user-service:email-confirmation';
const ROLES: readonly Role[] = ['user', 'admin'];
/** Verified tokens whose claims are kept; about 300 bytes each. */
const VERIFIED_TOKENS_CACHED = 10_000;

/** JWTs signed with HS256; verification pins the algorithm and requires an expiry. */
export function createJwtService(options: JwtOptions): TokenService {
  const clock = options.now ?? Date.now;
  const sign = (audience: string, ttlSeconds: number) =>
    createSigner({
      key: options.secret,
      algorithm: 'HS256',
      iss: ISSUER,
      aud: audience,
      expiresIn: ttlSeconds * 1000,
      clockTimestamp: clock(),
    });
  const verifier = (audience: string, clockTimestamp?: number) =>
    createVerifier({
      key: options.secret,
      algorithms: ['HS256'],
      allowedIss: ISSUER,
      allowedAud: audience,
      requiredClaims: ['exp', 'sub', 'iss', 'aud'],
      ...(clockTimestamp === undefined
        ? // A client sends its token with every request: the claims of a token verified before are kept
          // (until its expiry) in fast-jwt's LRU, under a hash of the token (its default key). A hit costs
          // about 1.4 µs against 4.4 µs for a full verification on this machine.
          { cache: VERIFIED_TOKENS_CACHED }
        : { clockTimestamp, cache: false }),
    });
  // Every authenticated request verifies a token, so the verifier (and its key object) is made once. A
  // test clock fixes fast-jwt's time at creation, so with one a verifier is made per token instead.
  const verify = (audience: string): ((token: string) => Record<string, unknown>) => {
    if (options.now !== undefined) return (token) => verifier(audience, clock())(token) as Record<string, unknown>;
    const once = verifier(audience);
    return (token) => once(token) as Record<string, unknown>;
  };
  const verifySessionToken = verify(SESSION_AUDIENCE);
  const verifyConfirmationToken = verify(CONFIRMATION_AUDIENCE);

  return {
    sessionTtlSeconds: options.sessionTtlSeconds,

    issueSession(claims: SessionClaims): string {
      return sign(SESSION_AUDIENCE, options.sessionTtlSeconds)({
        sub: claims.subject,
        role: claims.role,
        ...(claims.passwordSetAt === undefined ? {} : { pwd: claims.passwordSetAt }),
      });
    },

    verifySession(token: string): SessionClaims {
      const payload = verifySessionToken(token);
      const role = payload['role'];
      if (typeof payload['sub'] !== 'string' || !ROLES.includes(role as Role)) {
        throw new Error('the session token has no valid subject or role');
      }
      const pwd = payload['pwd'];
      return {
        subject: payload['sub'],
        role: role as Role,
        ...(typeof pwd === 'string' ? { passwordSetAt: pwd } : {}),
      };
    },

    issueEmailConfirmation(userId: string, email: string): string {
      return sign(CONFIRMATION_AUDIENCE, options.emailConfirmationTtlSeconds)({ sub: userId, email });
    },

    verifyEmailConfirmation(token: string) {
      const payload = verifyConfirmationToken(token);
      if (typeof payload['sub'] !== 'string' || typeof payload['email'] !== 'string') {
        throw new Error('the confirmation token has no subject or email');
      }
      return { userId: payload['sub'], email: payload['email'] };
    },
  };
}
