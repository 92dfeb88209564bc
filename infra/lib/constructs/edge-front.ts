import { Fn } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { EdgeParameters } from '../config.js';
import { acknowledge } from './acknowledge.js';

export interface EdgeFrontProps extends EdgeParameters {
  /** The API's base URL (`https://<id>.execute-api.<region>.<suffix>/`), the distribution's only origin. */
  readonly apiUrl: string;
  /** Names the web ACL's metrics. */
  readonly metricPrefix: string;
}

/** The AWS managed rule groups every request is checked against, beside the rate rule. */
const MANAGED_RULE_GROUPS = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'] as const;

/**
 * The optional front of the API: a CloudFront distribution that caches nothing and forwards every
 * method, header but Host, and query string, behind a WAF web ACL that blocks a client IP past
 * `rateLimitPer5Minutes` and applies AWS's managed common and known-bad-input rules. A web ACL for
 * CloudFront must live in us-east-1, so this construct belongs in a us-east-1 stack.
 */
export class EdgeFront extends Construct {
  public readonly webAcl: CfnWebACL;
  public readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: EdgeFrontProps) {
    super(scope, id);
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${props.metricPrefix}-${metricName}`,
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('edge'),
      rules: [
        {
          name: 'RateLimitPerClientIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: props.rateLimitPer5Minutes } },
          visibilityConfig: visibility('rate-limit'),
        },
        ...MANAGED_RULE_GROUPS.map((name, index) => ({
          name,
          priority: index + 1,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: visibility(name),
        })),
      ],
    });
    // https://<domain>/ → <domain>
    const apiDomain = Fn.select(2, Fn.split('/', props.apiUrl));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'User service API front (WAF rate rule)',
      webAclId: this.webAcl.attrArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // Every answer is per user and per token: nothing may be cached.
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // API Gateway routes by its own Host header, so the viewer's is not forwarded.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    const reasons: Record<string, string> = {
      'AwsSolutions-CFR1':
        'The user service serves its users wherever they are; there is no country to restrict, and WAF rate-limits each client IP instead.',
      'AwsSolutions-CFR3':
        "The API stage's access log already records every request that reaches the service (with both request ids); " +
        'WAF metrics and sampled requests cover what the edge blocks.',
      'AwsSolutions-CFR4':
        "The distribution uses CloudFront's default certificate until a custom domain is added; CloudFront then " +
        'enforces the minimum TLS version of that certificate (infra/README.md, "The edge").',
    };
    for (const [rule, reason] of Object.entries(reasons)) acknowledge(this.distribution, rule, reason);
  }
}
