/**
 * What counts as text in a user's fields. A string that is not well formed (a lone UTF-16 surrogate) has no
 * one encoding: stored, hashed or sent, it turns into U+FFFD, so two different inputs would become one. Control
 * characters and bidirectional overrides are not text a person reads: they hide or reorder what a name shows.
 */

/** C0 and C1 controls, line and paragraph separators, and the bidirectional marks, embeddings and isolates. */
const NOT_TEXT = '\\p{Cc}\\p{Cs}\\p{Zl}\\p{Zp}\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';

/**
 * A person's name: well formed, none of the characters above, and not only white space (one character that
 * is not). The source of a Unicode-mode regular expression, so that request schemas can publish the same rule;
 * it has no lookahead, so that generators (fast-check's `stringMatching`) can derive names from it too.
 */
export const PERSON_NAME_PATTERN = `^[^${NOT_TEXT}]*[^\\s${NOT_TEXT}][^${NOT_TEXT}]*$`;

/** A new password: well formed and free of control characters (anything else a keyboard makes is allowed). */
export const PASSWORD_PATTERN = '^[^\\p{Cc}\\p{Cs}]+$';

const personName = new RegExp(PERSON_NAME_PATTERN, 'u');

export function isPersonName(value: string): boolean {
  return personName.test(value);
}
