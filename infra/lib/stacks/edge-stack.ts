import { CfnOutput, CrossStackReferences, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EdgeParameters } from '../config.js';
import { EdgeFront } from '../constructs/edge-front.js';

/** CloudFront's web ACLs can only be created in this region. */
export const EDGE_REGION = 'us-east-1';

export interface EdgeStackProps extends StackProps {
  readonly edge: EdgeParameters;
  /** The service stack's API base URL. */
  readonly apiUrl: string;
  readonly metricPrefix: string;
}

/**
 * The optional CloudFront + WAF front, in us-east-1. It reads the API's URL from the service stack's
 * outputs in the service's region (a weak, cross-region `Fn::GetStackOutput`, which needs no custom
 * resource), so it deploys after the service stack, and nothing in the service stack depends on it.
 */
export class EdgeStack extends Stack {
  public readonly front: EdgeFront;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    CrossStackReferences.of(this).consume(ReferenceStrength.WEAK);
    this.front = new EdgeFront(this, 'Front', { ...props.edge, apiUrl: props.apiUrl, metricPrefix: props.metricPrefix });
    new CfnOutput(this, 'EdgeUrl', {
      value: `https://${this.front.distribution.distributionDomainName}/`,
      description: 'The API through CloudFront and WAF: set it as publicUrl, and give it to clients',
    });
    new CfnOutput(this, 'WebAclArn', { value: this.front.webAcl.attrArn });
  }
}
