import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ConfigError } from './config-error';

/** One address, `name@host.tld`: enough to catch a swapped key or value, a list, or a missing part. */
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;.]+$/;

/** What is wrong with `email` as an address to notify, if anything; `what` names it in the message. */
export function emailProblem(email: string, what: string): string | undefined {
  if (EMAIL.test(email)) return undefined;
  return `${what} must be one email address such as ops@example.com; got ${JSON.stringify(email)}.`;
}

export interface AlarmTopicProps {
  /** The address to notify; AWS emails it a link to confirm the subscription first. */
  readonly email: string;
}

/**
 * An SNS topic that CloudWatch alarms can notify, with an email subscription. It is encrypted with
 * a key of its own (rotated yearly) because CloudWatch may not use the AWS managed key
 * `alias/aws/sns`, whose policy cannot be changed: alarms on a topic encrypted with it fail to
 * publish. Publishing requires TLS (cdk-nag AwsSolutions-SNS2 and SNS3).
 */
export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const problem = emailProblem(props.email, `AlarmTopic ${id}: email`);
    if (problem !== undefined) throw new ConfigError(problem);
    const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the Switchboard alarm notifications topic; CloudWatch alarms may use it to publish there.',
      enableKeyRotation: true,
      // Nothing stays encrypted under it: a notification lives only while SNS delivers it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [cloudwatch], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }),
    );
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Switchboard alarms', masterKey: this.key, enforceSSL: true });
    // A topic policy replaces SNS's default one, which let the account's services publish: allow
    // this account's alarms by name.
    const stack = Stack.of(this);
    const alarms = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': alarms },
        },
      }),
    );
    this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }
}
