import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges, on `scope`, the cdk-nag AwsSolutions-IAM5 (wildcard) findings of the IAM policies
 * under it whose text matches `finding`, such as `Resource::…/@connections/*`. The findings are
 * those cdk-nag's own rule reports for the policies as they are now, so the acknowledgement never
 * rebuilds an ARN a grant method produced; a wildcard that does not match is left to fail the synth.
 * Call it after the grants.
 */
export function acknowledgeWildcards(scope: IConstruct, finding: RegExp, reason: string): void {
  const policies = scope.node.findAll().filter((c): c is iam.CfnPolicy => c instanceof iam.CfnPolicy);
  for (const policy of policies) {
    const found = rules.iam.IAMNoWildcardPermissions(policy);
    if (!Array.isArray(found)) continue;
    for (const text of found.filter((f) => finding.test(f))) {
      Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${text}]`, reason });
    }
  }
}
