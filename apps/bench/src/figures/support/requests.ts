/** A client whose middleware stack takes an `initialize` step: any AWS SDK v3 client. */
interface Stackable {
  readonly middlewareStack: {
    // The SDK types each client's stack with its own input and output unions; only the shape matters here.
    add(middleware: any, options: { step: 'initialize'; name: string }): void;
  };
}

/** One request a counter saw complete, with the entry counts that tell how well it was batched. */
export interface CountedRequest {
  readonly command: string;
  /** When it completed, by `performance.now()`. */
  readonly at: number;
  readonly failed: boolean;
  /** Entries sent (`PublishBatch`, `DeleteMessageBatch`, `SendMessageBatch`), messages received, or 1. */
  readonly entries: number;
  /** Entries the service reported successful, for the batch calls. */
  readonly successful: number;
}

export interface RequestCounter {
  /** Every request completed since the last reset, in completion order. */
  requests(): readonly CountedRequest[];
  /** Requests by command name since the last reset. */
  byCommand(): Record<string, number>;
  reset(): void;
}

/**
 * Adds a middleware that records every request `client` completes (counted when it completes, so that a
 * long poll belongs to the moment it returned messages, not the moment it was sent).
 */
export function countRequests(client: Stackable, name = 'benchRequestCounter'): RequestCounter {
  let seen: CountedRequest[] = [];
  client.middlewareStack.add(
    (next: (args: { input: unknown }) => Promise<{ output: unknown }>, context: { commandName?: string }) =>
      async (args: { input: unknown }) => {
        const command = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        try {
          const result = await next(args);
          seen.push({ command, at: performance.now(), failed: false, ...entries(command, args.input, result.output) });
          return result;
        } catch (error) {
          seen.push({ command, at: performance.now(), failed: true, entries: 0, successful: 0 });
          throw error;
        }
      },
    { step: 'initialize', name },
  );
  return {
    requests: () => seen,
    byCommand() {
      const counts: Record<string, number> = {};
      for (const { command } of seen) counts[command] = (counts[command] ?? 0) + 1;
      return counts;
    },
    reset() {
      seen = [];
    },
  };
}

type Loose = Record<string, any>;

function entries(command: string, input: unknown, output: unknown): { entries: number; successful: number } {
  const request = (input ?? {}) as Loose;
  const response = (output ?? {}) as Loose;
  switch (command) {
    case 'PublishBatch':
      return { entries: request['PublishBatchRequestEntries']?.length ?? 0, successful: response['Successful']?.length ?? 0 };
    case 'DeleteMessageBatch':
    case 'SendMessageBatch':
      return { entries: request['Entries']?.length ?? 0, successful: response['Successful']?.length ?? 0 };
    case 'ReceiveMessage': {
      const received = response['Messages']?.length ?? 0;
      return { entries: received, successful: received };
    }
    default:
      return { entries: 1, successful: 1 };
  }
}
