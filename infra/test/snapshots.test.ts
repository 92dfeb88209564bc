import t from 'tap';
import { normalised, synthesise } from './fixtures.js';

// One snapshot per stack of each environment. Asset hashes are masked, so a snapshot changes only
// when the infrastructure does. After an intended change: `pnpm --dir infra exec tap --snapshot test/snapshots.test.ts`.
const environments = [synthesise('dev'), synthesise('prod')];

for (const { stateful, service, statefulTemplate, serviceTemplate } of environments) {
  t.matchSnapshot(normalised(statefulTemplate), stateful.stackName);
  t.matchSnapshot(normalised(serviceTemplate), service.stackName);
}

t.test('the masking leaves no digest and no machine path', async (t) => {
  for (const template of environments.flatMap(({ statefulTemplate, serviceTemplate }) => [statefulTemplate, serviceTemplate])) {
    const json = JSON.stringify(normalised(template));
    t.notMatch(json, /[0-9a-f]{64}/);
    t.notMatch(json, /\/work\/|\/home\/|\/Users\//);
  }
  t.match(JSON.stringify(normalised(environments[1]!.serviceTemplate)), /"S3Key":"\[asset hash\]\.zip"/);
});
