/**
 * The contract every event-store adapter must pass, exported so that each adapter's test file runs the very
 * same suite against its own storage. It needs the `tap` and `fast-check` peer dependencies.
 */
export { eventStoreContract, type EventStoreFactory } from './contract.js';
export { asRetry, testEvent, testEvents, uniqueStreamId } from './fixtures.js';
