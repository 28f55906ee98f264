import { Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

/** A DNS host name of lowercase labels: `realtime.example.com`; no wildcard, no trailing dot. */
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** What is wrong with `name` as a custom domain name, if anything; `what` names it in the message. */
export function hostNameProblem(name: string, what: string): string | undefined {
  if (Token.isUnresolved(name) || HOST_NAME.test(name)) return undefined;
  return `${what} ${JSON.stringify(name)} must be a lowercase host name such as realtime.example.com (no wildcard, scheme, path or trailing dot).`;
}

/** What is wrong with putting `name` in the hosted zone `zoneName`, if anything (names that are tokens are not checked). */
export function zoneProblem(name: string, zoneName: string, what: string): string | undefined {
  if (Token.isUnresolved(name) || Token.isUnresolved(zoneName)) return undefined;
  const zone = zoneName.replace(/\.$/, '').toLowerCase();
  if (name === zone || name.endsWith(`.${zone}`)) return undefined;
  return `${what} ${JSON.stringify(name)} is not in the hosted zone ${JSON.stringify(zoneName)}; give the zone that holds it, or no zone and point the name at the API yourself.`;
}

export interface CustomDomainProps {
  /** The stage the domain's root maps to. */
  readonly stage: apigwv2.IWebSocketStage;
  /** The host name clients connect to, e.g. `realtime.example.com`. */
  readonly domainName: string;
  /** An ACM certificate for it, in the stack's region. */
  readonly certificate: acm.ICertificate;
  /** The public hosted zone to add the alias records to. @default none: point the name at `target` yourself */
  readonly hostedZone?: route53.IHostedZone;
}

/**
 * A custom domain name for a WebSocket API stage: API Gateway's regional endpoint for it (the only
 * kind WebSocket APIs take) with TLS 1.2 (the only policy they take) for IPv4 and IPv6, its API
 * mapping to the stage with no mapping key (so `wss://<domainName>` is the stage), and, given a
 * hosted zone, the A and AAAA alias records that point the name at it.
 */
export class CustomDomain extends Construct {
  public readonly name: apigwv2.DomainName;
  public readonly mapping: apigwv2.ApiMapping;
  /** `wss://<domainName>`: where clients connect through the domain. */
  public readonly url: string;
  /** API Gateway's host name for the domain: where a CNAME or alias record for it must point. */
  public readonly target: string;
  /** The A and AAAA alias records, with a hosted zone. */
  public readonly records: route53.RecordSet[] = [];

  constructor(scope: Construct, id: string, props: CustomDomainProps) {
    super(scope, id);
    this.name = new apigwv2.DomainName(this, 'Name', {
      domainName: props.domainName,
      certificate: props.certificate,
      endpointType: apigwv2.EndpointType.REGIONAL,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
      ipAddressType: apigwv2.IpAddressType.DUAL_STACK,
    });
    // What WebSocketStage's domainMapping would make, under an id of its own rather than one built from the domain's construct path.
    this.mapping = new apigwv2.ApiMapping(this, 'Mapping', { api: props.stage.api, stage: props.stage, domainName: this.name });
    this.url = `wss://${props.domainName}`;
    this.target = this.name.regionalDomainName;
    if (props.hostedZone) {
      const alias = route53.RecordTarget.fromAlias(
        new targets.ApiGatewayv2DomainProperties(this.name.regionalDomainName, this.name.regionalHostedZoneId),
      );
      const record = { zone: props.hostedZone, recordName: props.domainName, target: alias };
      this.records.push(new route53.ARecord(this, 'AliasIpv4', record), new route53.AaaaRecord(this, 'AliasIpv6', record));
    }
  }
}
