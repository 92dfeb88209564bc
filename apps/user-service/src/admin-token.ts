import { loadConfig } from './config.js';
import { createJwtService } from './infrastructure/jwt.js';
import { loadOrCreateSecret } from './infrastructure/secret-file.js';

/**
 * Prints an admin session token for operators: `pnpm admin-token`. It uses the same secret as the
 * service (JWT_SECRET, or the one kept in DATA_DIR), and expires like any session.
 */
const config = loadConfig(process.env);
const secret = config.jwtSecret ?? loadOrCreateSecret(config.dataDir, 'jwt-secret').secret;
const tokens = createJwtService({
  secret,
  sessionTtlSeconds: config.jwtTtlSeconds,
  emailConfirmationTtlSeconds: config.emailConfirmationTtlSeconds,
});
process.stdout.write(`${tokens.issueSession({ subject: 'admin', role: 'admin' })}\n`);
