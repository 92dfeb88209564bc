import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';
import { buildService, TEST_JWT_SECRET } from './helper.js';

/** Security headers on every answer (@fastify/helmet) and a CORS policy that is closed unless configured. */

const APP = 'https://app.example.com';
const preflight = (origin: string) => ({
  method: 'OPTIONS' as const,
  url: '/users',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' },
});

t.test('every answer carries the security headers; Swagger UI gets a policy that lets its page run', async (t) => {
  const svc = await buildService(t, { JWT_SECRET: TEST_JWT_SECRET });
  for (const url of ['/health', '/users/nobody', '/no-such-route']) {
    const res = await svc.request({ method: 'GET', url });
    t.match(
      res.headers,
      {
        'content-security-policy': "default-src 'none';frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': /max-age=\d+/,
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
      },
      `${url} (${res.statusCode})`,
    );
    t.notOk(res.headers['x-powered-by'], 'nothing names the stack');
  }
  const docs = await svc.request({ method: 'GET', url: '/docs/' });
  t.equal(docs.statusCode, 200, 'the docs page is served');
  t.match(docs.headers['content-security-policy'], /script-src 'self'/, 'with a policy that lets its own scripts run');
});

t.test('CORS is closed by default: no browser on another origin may call the API', async (t) => {
  const svc = await buildService(t, { JWT_SECRET: TEST_JWT_SECRET });
  const res = await svc.request(preflight(APP));
  t.notOk(res.headers['access-control-allow-origin'], 'a preflight is not allowed');
  const get = await svc.request({ method: 'GET', url: '/health', headers: { origin: APP } });
  t.notOk(get.headers['access-control-allow-origin'], 'nor is a simple request readable');
});

t.test('CORS_ORIGINS opens the API to exactly the listed origins, without credentials', async (t) => {
  const svc = await buildService(t, { JWT_SECRET: TEST_JWT_SECRET, CORS_ORIGINS: `${APP}, http://localhost:5173` });
  const allowed = await svc.request(preflight(APP));
  t.equal(allowed.statusCode, 204);
  t.match(allowed.headers, {
    'access-control-allow-origin': APP,
    'access-control-allow-methods': /PATCH/,
    'access-control-allow-headers': /idempotency-key/,
    'access-control-max-age': '600',
  });
  t.notOk(allowed.headers['access-control-allow-credentials'], 'sessions are bearer tokens: no cookies cross');
  t.equal((await svc.request(preflight('http://localhost:5173'))).headers['access-control-allow-origin'], 'http://localhost:5173');
  for (const other of ['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com']) {
    t.notOk((await svc.request(preflight(other))).headers['access-control-allow-origin'], `${other} is not listed`);
  }
  const read = await svc.request({ method: 'GET', url: '/health', headers: { origin: APP } });
  t.equal(read.headers['access-control-allow-origin'], APP);
  t.match(read.headers['access-control-expose-headers'], /etag/, 'the ETag a client needs for If-Match is readable');
});

t.test('CORS_ORIGINS takes exact origins only', async (t) => {
  for (const bad of ['*', 'https://app.example.com/', 'app.example.com', 'https://a.example, ftp://b.example']) {
    t.throws(() => loadConfig({ CORS_ORIGINS: bad }), ConfigError, bad);
  }
  t.same(loadConfig({}).corsOrigins, [], 'none by default');
});
