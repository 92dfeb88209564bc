import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { createJwtService } from './infrastructure/jwt.js';
import { loadOrCreateSecret } from './infrastructure/secret-file.js';

const ADMIN_TOKEN_USAGE = `Usage: pnpm admin-token --operator <name> [--ttl <seconds>]

Prints an admin session token, signed with the service's secret (JWT_SECRET, or the one kept in DATA_DIR).
Every change made with it is recorded with the actor admin:<name>.

  --operator <name>  who is acting: 1-64 of A-Z a-z 0-9 . _ @ - (required)
  --ttl <seconds>    how long the token lasts, 60 to 43200 (default 900: 15 minutes)
  --help             prints this text`;

const OPERATOR = /^[A-Za-z0-9._@-]{1,64}$/;
const DEFAULT_TTL_SECONDS = 15 * 60;
const MAX_TTL_SECONDS = 12 * 3600;

/** The flags, checked; a string is the problem to report. */
function parseAdminTokenArgs(argv: string[]): { help: true } | { operator: string; ttlSeconds: number } | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { operator: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (error) {
    return (error as Error).message;
  }
  if (values.help) return { help: true };
  if (values.operator === undefined || !OPERATOR.test(values.operator)) {
    return '--operator must name who is acting: 1-64 of A-Z a-z 0-9 . _ @ -';
  }
  const ttlSeconds = values.ttl === undefined ? DEFAULT_TTL_SECONDS : Number(values.ttl);
  if (!/^\d+$/.test(values.ttl ?? '900') || ttlSeconds < 60 || ttlSeconds > MAX_TTL_SECONDS) {
    return `--ttl must be a number of seconds from 60 to ${MAX_TTL_SECONDS}`;
  }
  return { operator: values.operator, ttlSeconds };
}

function main(): void {
  const args = parseAdminTokenArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n\n${ADMIN_TOKEN_USAGE}\n`);
    process.exit(64); // EX_USAGE
  }
  if ('help' in args) {
    process.stdout.write(`${ADMIN_TOKEN_USAGE}\n`);
    return;
  }
  const config = loadConfig(process.env);
  const secret = config.jwtSecret ?? loadOrCreateSecret(config.dataDir, 'jwt-secret').secret;
  const tokens = createJwtService({
    secret,
    sessionTtlSeconds: config.jwtTtlSeconds,
    emailConfirmationTtlSeconds: config.emailConfirmationTtlSeconds,
  });
  const token = tokens.issueSession({ subject: args.operator, role: 'admin' }, { ttlSeconds: args.ttlSeconds });
  process.stdout.write(`${token}\n`);
}

main();
