/**
 * The baseline server of the HTTP figures: Fastify with no plugins, no logger, no hooks, no schemas.
 * `GET /users/:id` answers fixed bytes (the body and headers of a real `GET /users/{id}` of the service,
 * captured by the bench) and `POST /users/:id` echoes the JSON body it was sent. Run by the bench as
 * `node bare-server.js --port N --response FILE`, pinned to the server's core.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

/** What `GET /users/:id` answers, as captured from the service. */
export interface FixedResponse {
  readonly body: string;
  /** Response headers other than those Node sets itself (content-length, date, connection, keep-alive). */
  readonly headers: Readonly<Record<string, string>>;
}

const { values } = parseArgs({ options: { port: { type: 'string' }, response: { type: 'string' } } });
if (values.port === undefined || values.response === undefined) {
  process.stderr.write('usage: bare-server --port N --response FILE\n');
  process.exit(64);
}
const fixed = JSON.parse(readFileSync(values.response, 'utf8')) as FixedResponse;
const body = Buffer.from(fixed.body);

const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'ok' }));
app.get('/users/:id', (_request, reply) => {
  reply.headers(fixed.headers).send(body);
});
app.post('/users/:id', (request, reply) => {
  reply.send(request.body);
});

const close = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
