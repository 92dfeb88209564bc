import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApplicationError, isApplicationError } from '../application/errors.js';

export interface LimitRule {
  readonly max: number;
  readonly windowMs: number;
}

/**
 * Limits per account rather than per address: a guesser who rotates addresses gets no more tries at one
 * account. The counters live in the rate-limit plugin's store (memory, or DynamoDB across Lambda instances),
 * and each account's key is the same whether the account exists or not, so a 429 says nothing of that.
 */
export function accountLimits(app: FastifyInstance, rule: LimitRule) {
  const limiter = (name: string, keyOf: (request: FastifyRequest) => string) =>
    app.createRateLimit({ max: rule.max, timeWindow: rule.windowMs, keyGenerator: (request) => `${name}:${keyOf(request)}` });

  return {
    /**
     * Runs `attempt` unless the account already failed `max` times in the window; a failure for which
     * `counts` is true is counted. Successes cost nothing, so the owner is locked out only by failures.
     */
    failures(name: string, keyOf: (request: FastifyRequest) => string, counts: (error: unknown) => boolean) {
      const counter = limiter(name, keyOf);
      return async <T>(request: FastifyRequest, attempt: () => Promise<T>): Promise<T> => {
        const seen = await counter(request, { increment: false });
        if (!seen.isAllowed && seen.remaining === 0) throw rateLimited(seen.ttlInSeconds);
        try {
          return await attempt();
        } catch (error) {
          if (counts(error)) await counter(request);
          throw error;
        }
      };
    },

    /** Counts every request for the account, and refuses those past `max` in the window. */
    requests(name: string, keyOf: (request: FastifyRequest) => string) {
      const counter = limiter(name, keyOf);
      return async (request: FastifyRequest): Promise<void> => {
        const counted = await counter(request);
        if (!counted.isAllowed && counted.isExceeded) throw rateLimited(counted.ttlInSeconds);
      };
    },
  };
}

export type AccountLimits = ReturnType<typeof accountLimits>;

/** True for an application error with one of `codes`. */
export const hasCode =
  (...codes: string[]) =>
  (error: unknown): boolean =>
    isApplicationError(error) && codes.includes(error.code);

function rateLimited(retryAfterSeconds: number): ApplicationError {
  return Object.assign(
    new ApplicationError('RATE_LIMITED', `too many attempts for this account; retry in ${retryAfterSeconds} seconds`),
    { retryAfterSeconds: Math.max(1, retryAfterSeconds) },
  );
}
