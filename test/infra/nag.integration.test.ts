import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeWildcards } from '../../lib/nag';
import { FANOUT_WORKER_DEFINITION, PUBLISH_FUNCTION_DEFINITION, ROUTES } from '../../lib/routes';
import { requireIntegrationTest } from '../support/test-tier';
import { synthSwitchboard } from './synth';

/** The parts of cdk's validation-report.json read here. */
interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    conclusion: string;
    violations: Array<{ ruleName: string }>;
    suppressedViolations?: Array<{ ruleName: string; reason: string; violatingConstructs: Array<{ constructPath: string }> }>;
  }>;
}

function nagReport(outdir: string) {
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  return report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')!;
}

describe('acknowledgeWildcards', () => {
  it('acknowledges the IAM5 findings that match its pattern, and leaves any other wildcard to fail the synth', () => {
    requireIntegrationTest('acknowledgeWildcards');
    // GIVEN a role with a wildcard that matches the pattern and one that does not, under cdk-nag
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-nag-'));
    const app = new App({ outdir });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'S');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['execute-api:ManageConnections'],
        resources: [`arn:${stack.partition}:execute-api:${stack.region}:${stack.account}:abc123/dev/*/@connections/*`],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
    // WHEN only the @connections wildcard is acknowledged
    acknowledgeWildcards(role, /\/@connections\/\*$/, 'connection ids exist only at run time');
    // THEN the synth fails on the other one alone
    try {
      expect(() => app.synth()).toThrow();
      const nag = nagReport(outdir);
      expect(nag.violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/*]']);
      expect(nag.suppressedViolations?.map((v) => [v.ruleName, v.reason])).toEqual([
        [
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:abc123/dev/*/@connections/*]',
          'connection ids exist only at run time',
        ],
      ]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('the app’s cdk-nag acknowledgements', () => {
  it('acknowledge IAM5 only for ManageConnections on the stage, on the roles of the functions that post', () => {
    // GIVEN the app, synthesized with cdk-nag
    const { outdir } = synthSwitchboard();
    try {
      const nag = nagReport(outdir);
      expect(nag).toMatchObject({ conclusion: 'success', violations: [] });
      const iam5 = (nag.suppressedViolations ?? []).filter((v) => v.ruleName.startsWith('AwsSolutions-IAM5'));
      // THEN one finding, the stage's @connections, on exactly the posting functions' roles
      expect(new Set(iam5.map((v) => v.ruleName))).toEqual(
        new Set([expect.stringMatching(/^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:execute-api:.*\/dev\/\*\/@connections\/\*\]$/)]),
      );
      const roles = iam5.flatMap((v) =>
        v.violatingConstructs.map((c) => /^Switchboard\/Switchboard\/(\w+)Handler\/Role\//.exec(c.constructPath)?.[1]),
      );
      const posting = [
        ...ROUTES.filter((r) => r.manageConnections).map((r) => r.id),
        PUBLISH_FUNCTION_DEFINITION.id,
        FANOUT_WORKER_DEFINITION.id,
      ];
      expect(roles.sort()).toEqual(posting.sort());
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
