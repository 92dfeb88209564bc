import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { UserApplication } from './application/users.js';
import { installErrorHandler, problem } from './http/error-handler.js';
import type { LimitRule } from './http/account-limits.js';
import { refuseUndocumentedIfMatch } from './http/request-context.js';
import { healthRoutes } from './http/routes/health.js';
import { sessionRoutes } from './http/routes/sessions.js';
import { userRoutes } from './http/routes/users.js';

export interface AppOptions {
  readonly users: UserApplication;
  readonly ready: () => Promise<boolean>;
  /** Keys the fingerprints of idempotent requests. */
  readonly fingerprintSecret: string;
  /** Requests per client address and window on the routes anyone may call, and on password changes. */
  readonly rateLimit: LimitRule;
  /** Attempts per account and window, whatever the address (see `http/account-limits.ts`). */
  readonly accountRateLimit: LimitRule;
  /** Where rate-limit counters live; in process memory when absent (one process: the embedded default). */
  readonly rateLimitStore?: FastifyRateLimitStoreCtor;
  /** Browser origins allowed to call the API (CORS); none when empty. */
  readonly corsOrigins: readonly string[];
  /** Where Swagger UI's static files are, when the app runs from a bundle. @default the installed package */
  readonly swaggerUiBaseDir?: string;
}

/** Bodies larger than this get 413: no legitimate request of this API comes near it. */
export const BODY_LIMIT_BYTES = 16 * 1024;

type SharedServerOptions = Pick<
  FastifyServerOptions,
  'bodyLimit' | 'requestIdHeader' | 'genReqId' | 'ajv' | 'trustProxy' | 'logController'
>;

/**
 * One access line per request, with the request and the outcome, instead of Fastify's two (incoming and
 * completed): every line costs serialization and a write on every request's path.
 */
class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const clientRequestId = clientRequestIdOf(request);
    const line = {
      req: request,
      res: reply,
      responseTime: reply.elapsedTime,
      ...(clientRequestId === undefined ? {} : { clientRequestId }),
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/**
 * The caller's own `X-Request-Id`, when it is 1–128 visible ASCII characters: kept on the access line so a
 * client can find its request, and nowhere else. Request ids, and with them the events' correlation and
 * causation ids, are always the server's own: a client must not choose what ties records together.
 */
function clientRequestIdOf(request: FastifyRequest): string | undefined {
  const value = request.headers['x-request-id'];
  return typeof value === 'string' && /^[\x21-\x7e]{1,128}$/.test(value) ? value : undefined;
}

/** The nearest `hops` proxies (hop 0 is the socket's peer), or the proxies at these addresses or ranges. */
function trusted(proxies: number | readonly string[]): NonNullable<FastifyServerOptions['trustProxy']> {
  if (typeof proxies !== 'number') return [...proxies];
  return (_address: string, hop: number) => hop < proxies;
}

/**
 * Helmet's security headers for this API's policy, computed once. They are the same on every response (no
 * nonces), and running Helmet's middleware on each request cost a third of the read throughput.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = (() => {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  })({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
})();

/** Server options shared by every host (the listening server, Lambda, tests). */
export function serverOptions(extra: { trustProxy?: false | number | readonly string[] } = {}): SharedServerOptions {
  return {
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    logController: new AccessLog(),
    genReqId: () => randomUUID(),
    ajv: {
      customOptions: {
        // Unknown fields are refused rather than silently dropped, and nothing is coerced into shape.
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: true,
      },
    },
    ...(extra.trustProxy === undefined || extra.trustProxy === false ? {} : { trustProxy: trusted(extra.trustProxy) }),
  };
}

/**
 * The user service as a Fastify plugin: external plugins first, then the error handler, then the routes.
 * The server, the Lambda handler and the tests all register this same plugin.
 */
export async function app(fastify: FastifyInstance, options: AppOptions): Promise<void> {
  const api = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // Every answer is JSON for programs: no page of it may load anything, be framed or be sniffed as HTML.
  // Swagger UI, under /docs, sets its own policy for its page (its hook runs after this one).
  api.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  // Closed unless origins are configured: then no CORS header is ever sent, and the plugin is not even
  // registered (its hook would cost every request). Sessions are bearer tokens, never cookies: no credentials.
  if (options.corsOrigins.length > 0) {
    await api.register(cors, {
      origin: [...options.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match', 'x-request-id'],
      exposedHeaders: ['etag', 'location', 'link', 'retry-after', 'x-request-id'],
      maxAge: 600,
    });
  }
  await api.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'User service',
        version: '1.0.0',
        description: 'An event-sourced user service. Errors are application/problem+json with a `code`.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  await api.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    ...(options.swaggerUiBaseDir === undefined ? {} : { baseDir: options.swaggerUiBaseDir }),
  });
  await api.register(rateLimit, {
    global: false,
    ...(options.rateLimitStore === undefined ? {} : { store: options.rateLimitStore }),
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`too many requests; retry in ${context.after}`), {
        statusCode: 429,
        code: 'RATE_LIMITED',
      }),
  });
  installErrorHandler(api);
  // Every body of this API is JSON; Fastify's built-in text parser would let plain text reach validation.
  api.removeContentTypeParser('text/plain');

  // Declared up front, so that every request object keeps one shape (see requireAuth).
  api.decorateRequest('principal', undefined);
  api.decorateRequest('session', undefined);
  api.addHook('onRequest', refuseUndocumentedIfMatch);
  api.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await api.register(healthRoutes, { ready: options.ready });
  const limits = { rateLimit: options.rateLimit, accountRateLimit: options.accountRateLimit };
  await api.register(userRoutes, { users: options.users, fingerprintSecret: options.fingerprintSecret, ...limits });
  await api.register(sessionRoutes, { users: options.users, fingerprintSecret: options.fingerprintSecret, ...limits });
  api.get('/openapi.json', { schema: { hide: true } }, async () => api.swagger());
}

