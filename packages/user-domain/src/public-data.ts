import type { UserEvent } from './events.js';

/**
 * What other services and API clients may see of an event: its data without any secret. Password hashes
 * and reset-token hashes stay inside the write side; they are for this aggregate's decisions alone.
 */
export function publicEventData(event: UserEvent): Record<string, unknown> {
  switch (event.type) {
    case 'UserRegistered': {
      const { passwordHash: _secret, ...rest } = event.data;
      return rest;
    }
    case 'UserPasswordChanged': {
      const { passwordHash: _secret, ...rest } = event.data;
      return rest;
    }
    case 'PasswordResetRequested': {
      const { tokenHash: _secret, ...rest } = event.data;
      return rest;
    }
    case 'UserEmailConfirmed':
    case 'UserProfileUpdated':
    case 'UserEmailChanged':
    case 'UserRemoved':
    case 'UserErased':
      return { ...event.data };
    default:
      // An unknown type might carry anything: show nothing rather than a secret.
      return {};
  }
}
