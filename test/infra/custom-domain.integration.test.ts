import * as fs from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { ENV } from '../../contract/environment';
import { SwitchboardApi, type SwitchboardApiProps } from '../../lib/switchboard-api';
import { environmentOf, synthSwitchboard } from './synth';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';

/** A SwitchboardApi `Switchboard` in stack `S`, with the props `domainProps` makes from that stack (certificates and zones are imported into it). */
function domainStack(domainProps: (stack: Stack) => SwitchboardApiProps): { stack: Stack; api: SwitchboardApi; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'S');
  const api = new SwitchboardApi(stack, 'Switchboard', domainProps(stack));
  return { stack, api, template: Template.fromStack(stack) };
}

const certificate = (stack: Stack) => acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN);
const zone = (stack: Stack, zoneName = 'example.com') =>
  route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABC', zoneName });

/** The stage's URL on the execute-api host of the API with logical id `apiId`, as CloudFormation builds it. */
const executeApiUrl = (scheme: string, apiId: string) => ({
  'Fn::Join': ['', [scheme, { Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/dev']],
});
const apiIdOf = (stack: Stack, api: SwitchboardApi) => stack.getLogicalId(api.api.node.defaultChild as never);

describe('SwitchboardApi with a custom domain and a hosted zone', () => {
  // GIVEN
  const { api, stack, template } = domainStack((s) => ({
    domainName: 'realtime.example.com',
    certificate: certificate(s),
    hostedZone: zone(s),
  }));
  const domainNameId = stack.getLogicalId(api.domain!.name.node.defaultChild as never);

  it('makes a regional API Gateway domain name with TLS 1.2, for IPv4 and IPv6', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'realtime.example.com',
      DomainNameConfigurations: [
        { CertificateArn: CERTIFICATE_ARN, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2', IpAddressType: 'dualstack' },
      ],
    });
  });

  it('maps the domain root to the stage, after the stage exists', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    template.hasResource('AWS::ApiGatewayV2::ApiMapping', {
      Properties: {
        ApiId: { Ref: Match.stringLikeRegexp('^SwitchboardApi') },
        DomainName: { Ref: domainNameId },
        Stage: 'dev',
        ApiMappingKey: Match.absent(),
      },
      DependsOn: [Match.stringLikeRegexp('^SwitchboardStage')],
    });
  });

  it('points A and AAAA alias records in the zone at the domain', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Type: type,
        Name: 'realtime.example.com.',
        HostedZoneId: 'Z0123456789ABC',
        AliasTarget: {
          DNSName: { 'Fn::GetAtt': [domainNameId, 'RegionalDomainName'] },
          HostedZoneId: { 'Fn::GetAtt': [domainNameId, 'RegionalHostedZoneId'] },
        },
      });
    }
  });

  it('gives clients wss://<domainName>, in webSocketUrl and the WebSocketUrl output', () => {
    expect(api.webSocketUrl).toBe('wss://realtime.example.com');
    template.hasOutput('WebSocketUrl', { Value: 'wss://realtime.example.com' });
    template.hasOutput('CustomDomainTarget', { Value: { 'Fn::GetAtt': [domainNameId, 'RegionalDomainName'] } });
  });

  it('keeps the callback URL, the functions\u2019 and the output, on the execute-api host and the stage', () => {
    const callbackUrl = executeApiUrl('https://', apiIdOf(stack, api));
    template.hasOutput('CallbackUrl', { Value: callbackUrl });
    expect(api.callbackUrl).toBe(api.stage.callbackUrl);
    for (const handler of ['Message', 'Join', 'Publish']) expect(environmentOf(template, handler)[ENV.callbackUrl]).toEqual(callbackUrl);
  });
});

describe('SwitchboardApi with a custom domain and no hosted zone', () => {
  const { template } = domainStack((s) => ({ domainName: 'realtime.example.com', certificate: certificate(s) }));

  it('makes the domain and mapping but no record: the CustomDomainTarget output says where to point it', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.hasOutput('CustomDomainTarget', {});
  });
});

describe('SwitchboardApi without a custom domain', () => {
  const { api, stack, template } = domainStack(() => ({}));

  it('makes no domain, mapping, record or CustomDomainTarget output', () => {
    for (const type of ['AWS::ApiGatewayV2::DomainName', 'AWS::ApiGatewayV2::ApiMapping', 'AWS::Route53::RecordSet'])
      template.resourceCountIs(type, 0);
    template.hasOutput('WebSocketUrl', { Value: executeApiUrl('wss://', apiIdOf(stack, api)) });
    expect(Object.keys(template.findOutputs('CustomDomainTarget'))).toEqual([]);
  });
});

describe('SwitchboardApi refuses a custom domain it cannot serve, at synth, naming the fix', () => {
  it.each<[string, (stack: Stack) => SwitchboardApiProps, string]>([
    [
      'a domain without a certificate',
      () => ({ domainName: 'realtime.example.com' }),
      'SwitchboardApi Switchboard: domainName "realtime.example.com" needs a certificate: an ACM certificate for that name in the stack\'s region',
    ],
    [
      'a certificate without a domain',
      (s) => ({ certificate: certificate(s) }),
      'SwitchboardApi Switchboard: certificate is set without domainName; give the domainName it is for, or drop certificate.',
    ],
    [
      'a hosted zone without a domain',
      (s) => ({ hostedZone: zone(s) }),
      'SwitchboardApi Switchboard: hostedZone is set without domainName; give the domainName to add to it, or drop hostedZone.',
    ],
    [
      'a domain outside the hosted zone',
      (s) => ({ domainName: 'realtime.example.org', certificate: certificate(s), hostedZone: zone(s) }),
      'SwitchboardApi Switchboard: domainName "realtime.example.org" is not in the hosted zone "example.com"',
    ],
    [
      'a URL for a domain name',
      (s) => ({ domainName: 'wss://realtime.example.com', certificate: certificate(s) }),
      'SwitchboardApi Switchboard: domainName "wss://realtime.example.com" must be a lowercase host name such as realtime.example.com',
    ],
    [
      'a wildcard domain name',
      (s) => ({ domainName: '*.example.com', certificate: certificate(s) }),
      'SwitchboardApi Switchboard: domainName "*.example.com" must be a lowercase host name',
    ],
  ])('%s', (_, props, message) => {
    expect(() => domainStack(props)).toThrow(message);
  });

  it('takes a domain at the apex of its zone, and one in a zone written with its final dot', () => {
    expect(() => domainStack((s) => ({ domainName: 'example.com', certificate: certificate(s), hostedZone: zone(s) }))).not.toThrow();
    expect(() =>
      domainStack((s) => ({ domainName: 'ws.eu.example.com', certificate: certificate(s), hostedZone: zone(s, 'example.com.') })),
    ).not.toThrow();
  });
});

describe("the app's custom domain from -c keys", () => {
  // GIVEN the app synthesized as `cdk synth -c domainName=… -c certificateArn=… -c hostedZoneId=… -c hostedZoneName=…` (cdk-nag included)
  const { stack, outdir } = synthSwitchboard({
    domainName: 'realtime.example.com',
    certificateArn: CERTIFICATE_ARN,
    hostedZoneId: 'Z0123456789ABC',
    hostedZoneName: 'example.com',
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  const template = Template.fromStack(stack);

  it('makes the domain, its mapping and both records, and keeps the outputs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'realtime.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERTIFICATE_ARN })],
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    template.hasOutput('WebSocketUrl', { Value: 'wss://realtime.example.com' });
    template.hasOutput('CallbackUrl', { Value: executeApiUrl('https://', apiIdOf(stack, stack.switchboard)) });
    template.hasOutput('DashboardName', {});
  });

  it('passes cdk-nag with no acknowledgement for the domain', () => {
    const report = JSON.parse(fs.readFileSync(`${outdir}/validation-report.json`, 'utf8')) as {
      pluginReports: Array<{
        pluginName: string;
        conclusion: string;
        suppressedViolations: Array<{ violatingConstructs: Array<{ constructPath: string }> }>;
      }>;
    };
    const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')!;
    expect(nag.conclusion).toBe('success');
    const paths = nag.suppressedViolations.flatMap((v) => v.violatingConstructs.map((c) => c.constructPath));
    expect(paths.filter((p) => p.includes('/Domain/'))).toEqual([]);
  });

  it.each<[Record<string, string>, string]>([
    [
      { domainName: 'realtime.example.com' },
      'Context value domainName needs certificateArn: -c certificateArn=arn:aws:acm:<region>:<account>:certificate/<id>',
    ],
    [{ certificateArn: CERTIFICATE_ARN }, 'certificateArn is set without domainName; add -c domainName=realtime.example.com or drop them.'],
    [
      { domainName: 'realtime.example.com', certificateArn: 'my-cert' },
      'Context value certificateArn must be an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/<id>; got "my-cert".',
    ],
    [
      { domainName: 'realtime.example.com', certificateArn: CERTIFICATE_ARN, hostedZoneId: 'Z0123456789ABC' },
      'Set both hostedZoneId and hostedZoneName',
    ],
    [
      {
        domainName: 'realtime.example.com',
        certificateArn: CERTIFICATE_ARN,
        hostedZoneId: '/hostedzone/Z01',
        hostedZoneName: 'example.com',
      },
      'Context value hostedZoneId must be a Route 53 hosted zone id such as Z0123456789ABC; got "/hostedzone/Z01".',
    ],
    [
      {
        domainName: 'realtime.example.com',
        certificateArn: CERTIFICATE_ARN,
        hostedZoneId: 'Z0123456789ABC',
        hostedZoneName: 'example.org',
      },
      'Context value domainName "realtime.example.com" is not in the hosted zone "example.org"',
    ],
    [
      { domainName: 'Realtime.Example.com', certificateArn: CERTIFICATE_ARN },
      'Context value domainName "Realtime.Example.com" must be a lowercase host name',
    ],
  ])('refuses -c %p, saying what is expected', (context, message) => {
    expect(() => synthSwitchboard(context)).toThrow(message);
  });
});
