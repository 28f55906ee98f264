import { Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AlarmTopic } from './alarm-topic';
import { addApiOutput } from './api-outputs';
import { ConfigError } from './config-error';
import { SwitchboardApi, type SwitchboardApiProps } from './switchboard-api';
import { SwitchboardMonitoring } from './switchboard-monitoring';

/** A custom domain by the ARN and ids the `-c` keys give; the stack imports the certificate and zone. */
export interface CustomDomainAttributes {
  /** The host name clients connect to, e.g. `realtime.example.com`. */
  readonly domainName: string;
  /** The ARN of an ACM certificate for it, in the stack's region. */
  readonly certificateArn: string;
  /** The public hosted zone holding it, for the alias records. @default no records: point the name at the CustomDomainTarget output yourself */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly zoneName: string };
}

export interface SwitchboardStackProps extends StackProps {
  /** Configuration of the API; see {@link SwitchboardApiProps}. @default all defaults */
  readonly api?: SwitchboardApiProps;
  /**
   * An email address every alarm notifies (on ALARM and on OK), through an AlarmTopic the stack
   * makes; AWS first emails it a link to confirm. Not with `api.alarmTopic`.
   * @default no notifications
   */
  readonly alarmEmail?: string;
  /** A custom domain by ARN and ids (`-c domainName=… -c certificateArn=…`); not with `api.domainName`. @default none */
  readonly customDomain?: CustomDomainAttributes;
}

/**
 * The deployable stack: one SwitchboardApi, its alarms and dashboard, and its outputs.
 *
 * Its monitoring is a child of the stack (`Monitoring`), not of the API, where SwitchboardApi puts
 * its own: the stack had it there before SwitchboardApi made one, and a construct's path gives its
 * resources' logical ids. Moved, the 27 alarms and the dashboard would be replaced under new names
 * (losing their history) on the next deploy of every existing stack.
 */
export class SwitchboardStack extends Stack {
  public readonly switchboard: SwitchboardApi;
  /** The alarms and dashboard, unless `api.monitoring` is false. */
  public readonly monitoring?: SwitchboardMonitoring;
  /** The topic the alarms notify, with `alarmEmail` (or `api.alarmTopic`). */
  public readonly alarmTopic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: SwitchboardStackProps = {}) {
    super(scope, id, props);
    const { monitoring = true, alarmTopic, ...api } = props.api ?? {};
    if (props.alarmEmail !== undefined && alarmTopic !== undefined) {
      throw new ConfigError(`SwitchboardStack ${id}: alarmEmail and api.alarmTopic are both set; give one place to notify.`);
    }
    if (!monitoring && (props.alarmEmail ?? alarmTopic) !== undefined) {
      throw new ConfigError(
        `SwitchboardStack ${id}: ${props.alarmEmail === undefined ? 'api.alarmTopic' : 'alarmEmail'} is set but api.monitoring is false, so there are no alarms to notify; drop one of them.`,
      );
    }
    if (props.customDomain && api.domainName !== undefined) {
      throw new ConfigError(`SwitchboardStack ${id}: customDomain and api.domainName are both set; give the domain once.`);
    }
    this.alarmTopic = props.alarmEmail === undefined ? alarmTopic : new AlarmTopic(this, 'AlarmTopic', { email: props.alarmEmail }).topic;
    this.switchboard = new SwitchboardApi(this, 'Switchboard', {
      ...api,
      ...(props.customDomain && this.importDomain(props.customDomain)),
      monitoring: false,
    });
    if (monitoring) {
      this.monitoring = new SwitchboardMonitoring(this, 'Monitoring', { api: this.switchboard, alarmTopic: this.alarmTopic });
      if (api.outputs ?? true) addApiOutput(this, api.outputPrefix ?? '', 'DashboardName', this.monitoring.dashboard.dashboardName);
    }
  }

  /** The domain props of SwitchboardApi, from ARNs and ids. */
  private importDomain(domain: CustomDomainAttributes): Pick<SwitchboardApiProps, 'domainName' | 'certificate' | 'hostedZone'> {
    return {
      domainName: domain.domainName,
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
      hostedZone: domain.hostedZone && route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', domain.hostedZone),
    };
  }
}
