/**
 * A follower process for test/crash-recovery.test.ts: catches the SQLite read model up with the SQLite event
 * store, page after page, printing a line after each page, and once it has caught up it keeps registering
 * users and following them, so that it is always busy when the test kills it.
 *
 * Usage: node crash-child.ts <events.db> <read-model.db> <prefix>
 */
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { catchUp, createProjector, type Projector } from '../src/index.js';
import { createSqliteUserReadModel } from '../src/sqlite.js';
import { LIFECYCLE, decideHistory, seed } from './fixtures.js';

const [eventsFile, readModelFile, prefix] = process.argv.slice(2);
if (eventsFile === undefined || readModelFile === undefined || prefix === undefined) {
  throw new Error('usage: crash-child.ts <events.db> <read-model.db> <prefix>');
}
// The name crash-recovery.test.ts reads the checkpoint under.
const CHECKPOINT = 'crash-follower';

const eventStore = createSqliteEventStore({ filename: eventsFile });
const readModel = createSqliteUserReadModel({ filename: readModelFile });
const projector = createProjector({ readModel, eventStore });
const reporting: Projector = {
  async applyBatch(events, options) {
    const outcome = await projector.applyBatch(events, options);
    process.stdout.write(`page ${events.length}\n`);
    return outcome;
  },
};
for (let n = 0; ; n++) {
  await catchUp(eventStore, reporting, readModel, { checkpointName: CHECKPOINT, pageSize: 3 });
  await seed(eventStore, [decideHistory(`${prefix}-late-${n}`, LIFECYCLE)]);
}
