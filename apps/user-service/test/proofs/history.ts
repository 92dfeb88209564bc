import type { StoredEvent } from '@user-service/event-store';
import { applyToView, type UserView } from '@user-service/user-read-model';

/**
 * A small Jepsen/Elle-style history of one user's operations, and its checker. Clients record every
 * invocation and its result; the checker then compares the history with the user's stream, as the store
 * holds it after the run. Times are only an order (`performance.now()`): "B was invoked after A's answer".
 */

export type Profile = { readonly name?: string; readonly surname?: string };
export type ViewFields = Pick<UserView, 'version' | 'name' | 'surname' | 'username'>;

interface Timed {
  readonly client: number;
  readonly invokedAt: number;
  readonly completedAt: number;
  readonly status: number;
}

/**
 * A PATCH: `ifMatch` when the client sent one, `version` from a 200 answer. Every write must be a real
 * change (a value no other write uses): the checker does not model no-ops, which answer 200 and write nothing.
 */
export interface WriteOp extends Timed {
  readonly kind: 'write';
  readonly change: Profile;
  readonly ifMatch?: number;
  readonly version?: number;
}

/** A GET with `minVersion`: `view` from a 200 answer. */
export interface ReadOp extends Timed {
  readonly kind: 'read';
  readonly minVersion: number;
  readonly view?: ViewFields;
}

export type Op = WriteOp | ReadOp;

export interface Verdict {
  readonly violations: string[];
  readonly figures: { writes: number; conditional: number; acknowledged: number; preconditionFailed: number; reads: number; events: number };
}

/**
 * Checks, for one user:
 * - versions are 1..n, and every acknowledged write is in the stream at the version its answer gave, with
 *   its change; no event is there that no acknowledged write explains (a refused write wrote nothing);
 * - a write with `If-Match: v` that succeeded produced v + 1; every 412 is justified: some write that took
 *   the stream past v had been invoked before the 412 was answered;
 * - every read shows exactly the state the stream had at the version it reports;
 * - every read is at least as new as every write acknowledged before it was invoked (read your writes,
 *   and others' acknowledged writes, through `minVersion`), and as every version its client already saw.
 */
export function checkHistory(ops: readonly Op[], stream: readonly StoredEvent[], baseVersion: number): Verdict {
  const violations: string[] = [];
  const writes = ops.filter((op): op is WriteOp => op.kind === 'write');
  const reads = ops.filter((op): op is ReadOp => op.kind === 'read');
  const acknowledged = writes.filter((op) => op.status === 200);

  stream.forEach((event, index) => {
    if (event.version !== index + 1) violations.push(`version gap: position ${index + 1} holds version ${event.version}`);
  });
  const views: ViewFields[] = [];
  let view: UserView | undefined;
  for (const event of stream) {
    view = applyToView(view, event);
    views[event.version] = { version: view.version, name: view.name, surname: view.surname, username: view.username };
  }

  const byVersion = new Map<number, WriteOp>();
  for (const op of acknowledged) {
    const version = op.version ?? -1;
    const event = stream[version - 1];
    const changes = (event?.data as { changes?: Profile } | undefined)?.changes;
    if (event === undefined || JSON.stringify(changes) !== JSON.stringify(op.change)) {
      violations.push(`lost update: ${JSON.stringify(op.change)} acknowledged at version ${version}, the stream has ${JSON.stringify(changes)}`);
    }
    if (byVersion.has(version)) violations.push(`two acknowledged writes claim version ${version}`);
    byVersion.set(version, op);
    if (op.ifMatch !== undefined && version !== op.ifMatch + 1) {
      violations.push(`If-Match "${op.ifMatch}" succeeded at version ${version}, not on top of the version it named`);
    }
  }
  const unexplained = stream.length - baseVersion - acknowledged.length;
  if (unexplained !== 0) violations.push(`${unexplained} events in the stream that no acknowledged write explains`);

  for (const op of writes.filter((w) => w.status === 412)) {
    const stale = op.ifMatch ?? Number.POSITIVE_INFINITY;
    const cause = acknowledged.find((w) => (w.version ?? 0) > stale && w.invokedAt < op.completedAt);
    if (cause === undefined && stale >= baseVersion) violations.push(`unjustified 412: If-Match "${op.ifMatch}" was current when refused`);
  }

  const events = [...ops].flatMap((op) => {
    const version = op.kind === 'write' ? op.version : op.view?.version;
    return op.status === 200 && version !== undefined ? [{ op, version }] : [];
  });
  for (const read of reads) {
    if (read.status !== 200 || read.view === undefined) {
      violations.push(`read with minVersion ${read.minVersion} answered ${read.status}`);
      continue;
    }
    const shown = read.view;
    if (JSON.stringify(shown) !== JSON.stringify(views[shown.version])) {
      violations.push(`read shows ${JSON.stringify(shown)}, the stream at that version is ${JSON.stringify(views[shown.version])}`);
    }
    const before = events.filter(({ op }) => op.completedAt < read.invokedAt);
    const newestAcked = Math.max(0, ...before.filter(({ op }) => op.kind === 'write').map(({ version }) => version));
    if (shown.version < newestAcked) {
      violations.push(`stale read: version ${shown.version} after version ${newestAcked} was acknowledged`);
    }
    const ownNewest = Math.max(0, ...before.filter(({ op }) => op.client === read.client).map(({ version }) => version));
    if (shown.version < ownNewest) {
      violations.push(`client ${read.client} went back in time: version ${shown.version} after it saw ${ownNewest}`);
    }
  }

  return {
    violations,
    figures: {
      writes: writes.length,
      conditional: writes.filter((op) => op.ifMatch !== undefined).length,
      acknowledged: acknowledged.length,
      preconditionFailed: writes.filter((op) => op.status === 412).length,
      reads: reads.length,
      events: stream.length,
    },
  };
}
