import { createHash, createHmac } from 'node:crypto';
import { FORGOTTEN, upcast, type UserState } from '@user-service/user-domain';
import type { StoredEvent } from '@user-service/event-store';
import type { MailMessage, TokenService } from './ports.js';

/**
 * Mail is a consumer of the events: each mail is made from one event, by whoever holds the service's
 * secret, so no token ever travels in an event. A confirmation token is a JWT for the address the event
 * names, issued at the event's instant; a reset token is an HMAC of the user and the expiry the event
 * records, and the event keeps only its hash.
 */
export interface MailComposerDeps {
  readonly tokens: Pick<TokenService, 'issueEmailConfirmation'>;
  /** Keys the reset tokens; derived from the service's secret for this purpose alone. */
  readonly resetTokenSecret: string;
  readonly publicUrl: string;
  readonly passwordResetTtlSeconds: number;
  /** How long a confirmation token is valid: a confirmation mail is worth sending until then. */
  readonly emailConfirmationTtlSeconds: number;
  /** The user's state at an event's version, to find where a reset mail goes (the address the user had then). */
  readonly stateAt: (userId: string, version: number) => Promise<UserState>;
}

/** The purpose the reset-token key is derived from the service's secret for (the service and the mailer alike). */
export const RESET_TOKEN_KEY_PURPOSE = 'password-reset-tokens';

/** The token a reset request of `userId`, expiring at `expiresAt`, mails; only its hash is recorded. */
export function resetToken(secret: string, userId: string, expiresAt: string): string {
  return `${userId}.${createHmac('sha256', secret).update(`password-reset\n${userId}\n${expiresAt}`).digest('base64url')}`;
}

/** Reset tokens are stored only as hashes: a leaked event log cannot reset anyone's password. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The event types that ask for a mail: a round of the mail follower is worth starting only after one. */
const MAIL_EVENT_TYPES: ReadonlySet<string> = new Set(['UserRegistered', 'UserEmailChanged', 'PasswordResetRequested']);

export function asksForMail(event: Pick<StoredEvent, 'type'>): boolean {
  return MAIL_EVENT_TYPES.has(event.type);
}

/**
 * What a mail is made from: a stored event, or the same event as a consumer of the topic received it
 * (its public data, which holds everything a mail needs and no secret).
 */
export interface MailSource {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: Parameters<typeof upcast>[0]['data'];
  readonly metadata: { readonly occurredAt: string };
}

export function createMailComposer(deps: MailComposerDeps) {
  return {
    /** The mail an event asks for, or undefined for the events that send none. */
    async mailFor(stored: MailSource): Promise<MailMessage | undefined> {
      const event = upcast(stored);
      const userId = stored.streamId;
      switch (event.type) {
        case 'UserRegistered':
        case 'UserEmailChanged':
          // An erased user's address is forgotten (read after the erasure, or published after it): no mail.
          if (event.data.email === FORGOTTEN) return undefined;
          return confirmation(stored.eventId, userId, event.data.email, Date.parse(stored.metadata.occurredAt));
        case 'PasswordResetRequested': {
          const state = await deps.stateAt(userId, stored.version);
          if (state.status !== 'registered' && state.status !== 'confirmed') return undefined;
          if (state.email === FORGOTTEN) return undefined;
          const token = resetToken(deps.resetTokenSecret, userId, event.data.expiresAt);
          return {
            eventId: stored.eventId,
            to: state.email,
            kind: 'password-reset',
            userId,
            token,
            validUntil: event.data.expiresAt,
            subject: 'Reset your password',
            text:
              `Choose a new password by sending this token to POST ${deps.publicUrl}/password-resets/confirm ` +
              `within ${Math.round(deps.passwordResetTtlSeconds / 60)} minutes:\n\n${token}\n`,
          };
        }
        default:
          return undefined;
      }
    },

    /** A confirmation mail sent again on request, for the address the user has now; `id` names this sending. */
    resentConfirmation(id: string, userId: string, email: string, issuedAtMs: number): MailMessage {
      return confirmation(id, userId, email, issuedAtMs);
    },
  };

  function confirmation(eventId: string, userId: string, email: string, issuedAtMs: number): MailMessage {
    const token = deps.tokens.issueEmailConfirmation(userId, email, issuedAtMs);
    return {
      eventId,
      to: email,
      kind: 'email-confirmation',
      userId,
      token,
      validUntil: new Date(issuedAtMs + deps.emailConfirmationTtlSeconds * 1000).toISOString(),
      subject: 'Confirm your email address',
      text:
        `Confirm your email address by sending this token to ` +
        `POST ${deps.publicUrl}/users/${userId}/email-confirmation:\n\n${token}\n`,
    };
  }
}

export type MailComposer = ReturnType<typeof createMailComposer>;
