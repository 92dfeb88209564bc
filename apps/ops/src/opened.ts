/* What the ops tools' stores hand out, on SQLite (stores.ts) and on DynamoDB (stores-dynamodb.ts). */
import type { EventStore } from '@user-service/event-store';
import { SLOTS, type Slot, type SlotPointer, type UserReadModel } from '@user-service/user-read-model';
import type { LeaseStore } from './lease.js';
import type { RebuildSlots } from './rebuild.js';
import type { EventTotalEstimator } from './replay.js';

/** The event store a tool reads, and what it knows about it. */
export interface OpenedEventStore {
  readonly eventStore: EventStore;
  /** Its `readAll` cursor is a global position: `catchUp` works, and counting the rest is exact. */
  readonly followsPositions: boolean;
  readonly estimateTotal: EventTotalEstimator;
  close(): Promise<void>;
}

/** The two read-model slots, their pointer and the rebuild's lease. */
export interface OpenedSlots {
  readonly slots: RebuildSlots;
  readonly pointer: SlotPointer;
  /** Next to the pointer: `DATA_DIR/read-model.lease.db`, or item `control#rebuild-lease` of the blue table. */
  readonly lease: LeaseStore;
  close(): Promise<void>;
}

/** Closes both slots' read models, blue first. */
export async function closeAll(models: Readonly<Record<Slot, UserReadModel>>): Promise<void> {
  for (const slot of SLOTS) await models[slot].close();
}
