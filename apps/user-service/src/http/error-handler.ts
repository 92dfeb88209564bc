import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The one place where error codes become HTTP statuses. Domain, store and application errors carry string
 * codes; each code maps to a status and, where the outside world should see another name, to a public code.
 */
const STATUS_BY_CODE: Readonly<Record<string, readonly [status: number, publicCode?: string]>> = {
  // application
  VALIDATION_FAILED: [400],
  INVALID_TOKEN: [400],
  UNAUTHORIZED: [401],
  INVALID_CREDENTIALS: [401],
  FORBIDDEN: [403],
  EMAIL_NOT_CONFIRMED: [403],
  USER_NOT_FOUND: [404],
  VERSION_NOT_FOUND: [404],
  EMAIL_TAKEN: [409],
  USERNAME_TAKEN: [409],
  INVALID_STATE: [409],
  WRITE_CONTENTION: [409],
  VERSION_CONFLICT: [412],
  IDEMPOTENCY_KEY_REUSED: [422],
  RATE_LIMITED: [429],
  // domain
  USER_REMOVED: [404, 'USER_NOT_FOUND'],
  USER_ALREADY_EXISTS: [409],
  INVALID_RESET_TOKEN: [400, 'INVALID_TOKEN'],
  RESET_TOKEN_EXPIRED: [400, 'INVALID_TOKEN'],
  INVALID_COMMAND: [400, 'VALIDATION_FAILED'],
  // event store
  INVALID_ARGUMENT: [400, 'VALIDATION_FAILED'],
  // fastify
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'MALFORMED_REQUEST'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'MALFORMED_JSON'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'MALFORMED_JSON'],
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

export function problem(status: number, code: string, detail: string): ProblemBody {
  return {
    type: `urn:user-service:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
  };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}

/** Turns any error into problem+json: known codes by the table, request errors as 4xx, the rest as 500. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) {
      const body = problem(400, 'VALIDATION_FAILED', 'the request is not valid');
      body.errors = error.validation.map((issue) => ({
        path: `${error.validationContext ?? 'request'}${issue.instancePath || ''}`,
        message: issue.message ?? 'is not valid',
      }));
      return sendProblem(reply, body);
    }
    const mapped = typeof error.code === 'string' ? STATUS_BY_CODE[error.code] : undefined;
    if (mapped) {
      const [status, publicCode = error.code] = mapped;
      // Every 429 says when to come back; the rate-limit plugin sets it for its own.
      const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, problem(status, publicCode, error.message));
    }
    // Other client errors raised by Fastify or a plugin keep their status, under a generic code.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendProblem(reply, problem(status, 'BAD_REQUEST', error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem(500, 'INTERNAL_ERROR', 'something went wrong; it has been logged'));
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, 'ROUTE_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
