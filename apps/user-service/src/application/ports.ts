/** The outgoing ports of the application layer; the infrastructure folder has their adapters. */

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Compares in constant time; false for a malformed hash. */
  verify(password: string, hash: string): Promise<boolean>;
}

export type MailKind = 'email-confirmation' | 'password-reset';

export interface MailMessage {
  readonly to: string;
  readonly kind: MailKind;
  readonly userId: string;
  readonly token: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
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
  issueEmailConfirmation(userId: string, email: string): string;
  /** The user and email a confirmation token was issued for; throws when it is not valid. */
  verifyEmailConfirmation(token: string): { userId: string; email: string };
  readonly sessionTtlSeconds: number;
}

export interface Clock {
  now(): Date;
}
