import type { FastifyPluginAsync } from 'fastify';
import { problem, sendProblem } from '../error-handler.js';

export interface HealthRoutesOptions {
  /** Resolves true when the stores answer. */
  readonly ready: () => Promise<boolean>;
}

/** Liveness says the process runs; readiness says it can reach its stores. */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { ready }) => {
  const status = { type: 'object', properties: { status: { type: 'string' } } } as const;

  app.get('/health', { schema: { tags: ['operations'], response: { 200: status } } }, async () => ({
    status: 'ok',
  }));

  app.get('/ready', { schema: { tags: ['operations'], response: { 200: status } } }, async (request, reply) => {
    const ok = await ready().catch((err: unknown) => {
      request.log.warn({ err }, 'readiness check failed');
      return false;
    });
    if (!ok) return sendProblem(reply, problem(503, 'NOT_READY', 'the stores are not reachable'));
    return { status: 'ready' };
  });
};
