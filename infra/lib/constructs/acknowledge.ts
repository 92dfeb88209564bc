import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding on the CloudFormation resource behind a construct (its default child),
 * the narrowest construct that raises it, so that nothing else beside it is silenced.
 */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct.node.defaultChild ?? construct).acknowledge({ id, reason });
}
