import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import t from 'tap';
import { addUserService } from '../lib/app.js';
import { REPOSITORY_ROOT, testApp, testConfig } from './fixtures.js';

interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
  readonly path: string;
}

/** Every acknowledgement recorded in the app, with the construct it sits on. */
function acknowledgements(app: App): Acknowledgement[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          // cdk-nag's ids carry no plugin prefix, so CDK records them as annotation ids.
          id: id.replace(/^annotation::/i, ''),
          reason,
          path: construct.node.path,
        })),
      ),
  );
}

for (const envName of ['dev', 'prod'] as const) {
  t.test(`cdk-nag AwsSolutions reports nothing unacknowledged for ${envName}`, async (t) => {
    const app = testApp();
    // Dev with a second consumer, and prod exactly as committed.
    addUserService(app, {
      config: testConfig(envName, envName === 'dev' ? { consumers: 'projector,mailer,billing' } : {}),
      repositoryRoot: REPOSITORY_ROOT,
    });
    // Synthesis runs the rule packs; an unacknowledged finding fails it with the finding's id and path.
    t.doesNotThrow(() => app.synth(), 'synthesis passes the checks');

    // The checks ran: the same pack on its own finds what the acknowledgements answer.
    const pack = new AwsSolutionsChecks(app);
    t.equal(pack.validateScope(app).success, true);

    const acknowledged = acknowledgements(app).filter(({ id }) => id.startsWith('AwsSolutions-'));
    for (const { id, reason, path } of acknowledged) {
      t.ok(reason.length >= 80, `${id} on ${path} gives a real reason`);
      // The narrowest construct: the CloudFormation resource that raises it, never a parent of others.
      t.match(path, /\/Resource$/, `${id} sits on a resource (${path})`);
    }
    t.same(
      [...new Set(acknowledged.map(({ id }) => id))].sort(),
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-DDB3',
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-L1',
        'AwsSolutions-SMG4',
        'AwsSolutions-SQS3',
      ],
      'the acknowledged rules, each explained in infra/README.md',
    );
  });
}
