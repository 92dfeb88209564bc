import t from 'tap';
import { createMemoryEventStore } from '../src/memory/index.js';
import { eventStoreContract } from '../src/testing/index.js';

await eventStoreContract(t, {
  name: 'memory',
  globalPosition: true,
  propertyRuns: 100,
  create: async () => createMemoryEventStore(),
});
