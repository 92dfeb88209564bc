/** The outgoing ports of the application layer; the infrastructure folder has their adapters. */

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Compares in constant time; false for a malformed hash. */
  verify(password: string, hash: string): Promise<boolean>;
}

export type MailKind = 'email-confirmation' | 'password-reset';

export interface MailMessage {
  /** The event the mail is about: at most one mail is sent per event. */
  readonly eventId: string;
  readonly to: string;
  readonly kind: MailKind;
  readonly userId: string;
  readonly token: string;
  /** When the token expires (ISO-8601): past it, the mail is worth nothing, and a consumer drops it. */
  readonly validUntil: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /**
   * Whether the mail of this event was already sent, where the mailer can tell (the outbox can: it holds
   * every mail it sent). Then a mail follower that crashed between sending and saving its position sends
   * nothing twice. Absent, a mail may go twice after such a crash, never zero times.
   */
  sent?(eventId: string): Promise<boolean>;
}

export type Role = 'user' | 'admin';

/** Who is calling, as proven by a session token. */
export interface Principal {
  readonly subject: string;
  readonly role: Role;
}

export interface SessionClaims extends Principal {
  /** When the password was set that this session was opened with; later changes revoke the session. */
  readonly passwordSetAt?: string;
}

export interface TokenService {
  /** A session for the claims, lasting the service's session lifetime unless `ttlSeconds` says otherwise. */
  issueSession(claims: SessionClaims, options?: { readonly ttlSeconds?: number }): string;
  /** Throws on a bad signature, algorithm, audience or expiry. */
  verifySession(token: string): SessionClaims;
  /** A confirmation token for the address, valid from `issuedAtMs` (@default now) for the confirmation lifetime. */
  issueEmailConfirmation(userId: string, email: string, issuedAtMs?: number): string;
  /** The user and email a confirmation token was issued for; throws when it is not valid. */
  verifyEmailConfirmation(token: string): { userId: string; email: string };
  readonly sessionTtlSeconds: number;
}

export interface Clock {
  now(): Date;
}

/**
 * Makes an erased user's personal data unreadable wherever this service keeps it: destroys their data key
 * and scrubs every copy of their view (both read-model slots, and the files' journals). Idempotent.
 */
export interface PersonalDataEraser {
  forget(userId: string): Promise<void>;
}
