import { randomUUID } from 'node:crypto';
import type { AppendResult, JsonObject, NewEvent } from '../types.js';

/** A well-formed event with a fresh id, for tests. */
export function testEvent(type = 'Tested', data: JsonObject = {}, actor?: string): NewEvent {
  const eventId = randomUUID();
  return {
    eventId,
    type,
    schemaVersion: 1,
    data,
    metadata: {
      occurredAt: new Date().toISOString(),
      correlationId: `corr-${eventId}`,
      causationId: `cause-${eventId}`,
      ...(actor === undefined ? {} : { actor }),
    },
  };
}

export function testEvents(count: number, type = 'Tested'): NewEvent[] {
  return Array.from({ length: count }, (_, i) => testEvent(type, { n: i }));
}

/** A stream id no other test uses. */
export function uniqueStreamId(prefix = 'stream'): string {
  return `${prefix}-${randomUUID()}`;
}

/** What a retry answers for an append that wrote: the same result, as a duplicate, with no position (it wrote none). */
export function asRetry({ firstPosition: _written, ...original }: AppendResult): AppendResult {
  return { ...original, duplicate: true };
}
