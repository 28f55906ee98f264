/**
 * cfn-lint (AWS CloudFormation's linter: resource schemas, allowed values, references) on the
 * synthesized template: zero errors, since an error there is a deployment that fails, or a
 * resource that does not do what the stack meant. Warnings are allowed; today's are W3005 only
 * (CDK writes a DependsOn on each function's role that its Fn::GetAtt already implies).
 * cfn-lint is a Python tool: where it is not installed the test passes with one line saying so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appAssembly } from '../support/app-assembly';

/** cfn-lint takes about 5 s for the stack on a quiet machine (it loads every resource schema); more beside other tests. */
const CFN_LINT_TIMEOUT_MS = 120_000;

/** One finding, as `cfn-lint --format json` lists it. */
interface CfnLintMatch {
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: readonly (string | number)[] };
}

/** Whether `cfn-lint` runs here, and its version line. */
function cfnLintVersion(): string | undefined {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? undefined : probe.stdout.trim();
}

/** cfn-lint's findings for `templates`; throws when it could not lint them at all. */
function lint(templates: readonly string[]): CfnLintMatch[] {
  const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...templates], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // Its exit code is a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a failure to run.
  if (run.error || run.status === null || (run.status & 1) === 1) {
    throw new Error(`cfn-lint failed to run (exit ${run.status}): ${run.error?.message ?? run.stderr}`);
  }
  return JSON.parse(run.stdout) as CfnLintMatch[];
}

const installed = cfnLintVersion() !== undefined;
if (!installed) console.log('cfn-lint is not on PATH: the synthesized template was not linted (pip install cfn-lint to run it)');

(installed ? describe : describe.skip)('cfn-lint', () => {
  test(
    'finds no error in the synthesized stack template',
    () => {
      const dir = appAssembly();
      const templates = readdirSync(dir)
        .filter((file) => file.endsWith('.template.json'))
        .map((file) => path.join(dir, file));
      expect(templates).toEqual([path.join(dir, 'Switchboard.template.json')]);

      const errors = lint(templates).filter((match) => match.Level === 'Error');

      expect(errors.map((match) => `${match.Rule.Id} at ${match.Location.Path.join('/')}: ${match.Message}`)).toEqual([]);
    },
    CFN_LINT_TIMEOUT_MS,
  );

  test(
    'reports an error it is shown, so the check above can fail',
    () => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-cfn-lint-'));
      try {
        const bad = path.join(tmp, 'bad.template.json');
        const fn = {
          Type: 'AWS::Lambda::Function',
          Properties: { Runtime: 'nodejs9.x', Handler: 'index.handler', Code: { ZipFile: 'x' } },
        };
        writeFileSync(bad, JSON.stringify({ Resources: { Fn: fn } }));

        const errors = lint([bad]).filter((match) => match.Level === 'Error');

        // No Role, and a runtime Lambda never had.
        expect(errors.map((match) => match.Rule.Id).sort()).toEqual(['E3003', 'E3030']);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    CFN_LINT_TIMEOUT_MS,
  );
});
