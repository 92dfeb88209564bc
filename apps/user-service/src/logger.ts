import { createServiceLogger } from '@user-service/logging';
import type { FastifyRequest } from 'fastify';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

/**
 * How a request appears on its log line: what Fastify's own serializer shows, but with the values of
 * `email` query parameters blanked out (`GET /users?email=` looks users up by address).
 */
export function requestLine(request: FastifyRequest | Record<string, unknown>): unknown {
  // Only Fastify's requests: anything else logged under `req` is shown as it is (and redacted as ever).
  if (!('raw' in request) || typeof request.url !== 'string') return request;
  const fastifyRequest = request as FastifyRequest;
  return {
    method: fastifyRequest.method,
    url: fastifyRequest.url.replace(/([?&]email=)[^&#]*/gi, '$1[redacted]'),
    host: fastifyRequest.host,
    remoteAddress: fastifyRequest.ip,
    remotePort: fastifyRequest.socket?.remotePort,
  };
}

/**
 * The user service's root logger: secrets (headers, passwords, tokens, hashes) are redacted at any depth,
 * and request lines carry no email address.
 */
export function createLogger(level: LoggerOptions['level'], destination?: DestinationStream): Logger {
  return createServiceLogger({
    service: 'user-service',
    level,
    serializers: { req: requestLine },
    ...(destination ? { destination } : {}),
  });
}
