/**
 * The mailer consumer's public face, for the hosts that provision it (the local stack, infra): its
 * consumer name, its metric names and its ledger table. Its entry points are `handler.ts` (Lambda) and
 * `main.ts` (the worker).
 */
export { SENT_MAIL_KEY_ATTRIBUTE, SENT_MAIL_TTL_ATTRIBUTE, ensureSentMailTable } from '../infrastructure/dynamodb-sent-mails.js';
export { MAILER_CONSUMER, MAILER_METRICS } from './batch.js';
