import t from 'tap';
import { createMemoryEventStore } from '../src/memory/index.js';
import { eventStoreContract } from '../src/testing/index.js';

await eventStoreContract(t, {
  name: 'memory',
  globalPosition: true,
  eventIdsUniqueWithin: 'stream',
  propertyRuns: 100,
  create: async (options) => createMemoryEventStore(options),
});
