import type { Test } from 'tap';
import {
  decide,
  fold,
  isUserDomainError,
  type UserCommand,
  type UserErrorCode,
  type UserEvent,
} from '../src/index.js';

/** Given a history, when a command is decided, then these events are produced or this error is thrown. */
export function given(t: Test, ...history: UserEvent[]) {
  return {
    when(command: UserCommand) {
      // Folded outside the assertions so that a corrupt Given fails loudly instead of passing as a rejection.
      const state = fold(history);
      return {
        then(expected: UserEvent[]): void {
          t.strictSame(decide(command, state), expected, `${command.type} decides the expected events`);
        },
        thenThrows(code: UserErrorCode): void {
          t.equal(
            errorCodeOf(() => decide(command, state)),
            code,
            `${command.type} is rejected with ${code}`,
          );
        },
      };
    },
  };
}

/** The code of the domain error `fn` throws, or `undefined` if it returns; other errors are rethrown. */
export function errorCodeOf(fn: () => unknown): UserErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (isUserDomainError(error)) return error.code;
    throw error;
  }
  return undefined;
}
