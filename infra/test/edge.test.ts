import { Template } from 'aws-cdk-lib/assertions';
import t from 'tap';
import { addUserService } from '../lib/app.js';
import { REPOSITORY_ROOT, synthesise, testApp, testConfig } from './fixtures.js';

t.test('without the edge parameter, no edge stack', async (t) => {
  t.equal(synthesise('dev').edge, undefined);
  t.equal(synthesise('prod').edge, undefined);
});

t.test('the optional edge: CloudFront in front of the API, behind a WAF rate rule, in us-east-1', async (t) => {
  const app = testApp();
  const stacks = addUserService(app, {
    config: { ...testConfig('dev'), edge: { rateLimitPer5Minutes: 1000 } },
    repositoryRoot: REPOSITORY_ROOT,
  });
  // Synthesis runs cdk-nag on the edge stack too.
  const edge = Template.fromStack(stacks.edge!);
  t.equal(stacks.edge!.stackName, 'UserService-dev-Edge');
  t.equal(stacks.edge!.region, 'us-east-1');
  edge.hasResourceProperties('AWS::WAFv2::WebACL', {
    Scope: 'CLOUDFRONT',
    DefaultAction: { Allow: {} },
    Rules: [
      { Name: 'RateLimitPerClientIp', Action: { Block: {} }, Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 1000 } } },
      { Name: 'AWSManagedRulesCommonRuleSet' },
      { Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
    ],
  });
  const [aclId] = Object.keys(edge.findResources('AWS::WAFv2::WebACL'));
  edge.hasResourceProperties('AWS::CloudFront::Distribution', {
    DistributionConfig: {
      WebACLId: { 'Fn::GetAtt': [aclId, 'Arn'] },
      DefaultCacheBehavior: {
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      },
      Origins: [{ CustomOriginConfig: { OriginProtocolPolicy: 'https-only' } }],
    },
  });
  // The API's URL comes from the service stack's outputs in its own region, with no custom resource.
  t.match(JSON.stringify(edge.toJSON()), /"Fn::GetStackOutput":\{"StackName":"UserService-dev-Service","Region":"eu-west-1"/);
  t.equal(Object.keys(edge.findResources('AWS::Lambda::Function')).length, 0);
  edge.hasOutput('EdgeUrl', {});
});
