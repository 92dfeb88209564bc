import type { UserEvent } from './events.js';
import { fold, isActive, type UserState } from './state.js';

/** Emails are compared case-insensitively and without surrounding blanks. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The unique key an email address holds while a user owns it. */
export function emailKey(email: string): string {
  return `email:${normalizeEmail(email)}`;
}

/** Usernames keep their casing for display but are unique case-insensitively. */
export function usernameKey(username: string): string {
  return `username:${username.toLowerCase()}`;
}

/** The unique keys a user in this state holds. Removed users hold none, so others may take them. */
export function uniqueKeysOf(state: UserState): string[] {
  return isActive(state) ? [emailKey(state.email), usernameKey(state.username)] : [];
}

export interface UniqueKeyChanges {
  /** Keys the user must newly hold once the events are recorded. */
  readonly claims: string[];
  /** Keys the user holds now and gives up with the events. */
  readonly releases: string[];
}

/**
 * The unique keys to claim and release, in the same atomic write as the events, so that no two users ever
 * share an email or a username and a removed user's email and username are free again.
 */
export function uniqueKeyChanges(state: UserState, events: readonly UserEvent[]): UniqueKeyChanges {
  const before = uniqueKeysOf(state);
  const after = uniqueKeysOf(fold(events, state));
  return {
    claims: after.filter((key) => !before.includes(key)),
    releases: before.filter((key) => !after.includes(key)),
  };
}
