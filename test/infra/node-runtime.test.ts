import * as lambda from 'aws-cdk-lib/aws-lambda';
import { bundlingTargetOf, checkedNodeMajor, newestNodeRuntime, nodeMajorOf } from '../../lib/node-runtime';
import { BUNDLING, RUNTIME } from '../../lib/switchboard-function';

// Not `new lambda.Runtime(...)`: its constructor adds every runtime made to Runtime.ALL, which RUNTIME reads.
const node = (name: string, isVariable = false) => ({ name, family: lambda.RuntimeFamily.NODEJS, isVariable }) as lambda.Runtime;

describe('the functions’ runtime', () => {
  it('is the newest nodejsNN.x in the list, by number, whatever the order and the other runtimes', () => {
    // GIVEN a list as aws-cdk-lib's Runtime.ALL has it: unordered, duplicates, unversioned and non-.x names
    const runtimes = [
      node('nodejs'),
      node('nodejs8.10'),
      node('nodejs24.x'),
      node('nodejs22.x'),
      node('nodejs24.x'),
      node('nodejs100.x'),
      node('nodejs26.x'),
    ];
    // WHEN / THEN
    expect(newestNodeRuntime(runtimes).name).toBe('nodejs100.x');
    // NODEJS_LATEST, listed before the runtime of the same name, is passed over
    const latest = node('nodejs26.x', true);
    expect(newestNodeRuntime([node('nodejs24.x'), latest, node('nodejs26.x')])).not.toBe(latest);
    expect(newestNodeRuntime([node('nodejs24.x'), latest, node('nodejs26.x')]).isVariable).toBe(false);
    expect(newestNodeRuntime([lambda.Runtime.PYTHON_3_13, node('nodejs22.x')]).name).toBe('nodejs22.x');
  });

  it('defaults to the newest Node.js runtime the installed aws-cdk-lib offers, the one cdk-nag AwsSolutions-L1 wants', () => {
    const majors = lambda.Runtime.ALL.map((r) => /^nodejs(\d+)\.x$/.exec(r.name)).flatMap((m) => (m ? [Number(m[1])] : []));
    expect(RUNTIME.name).toBe(`nodejs${Math.max(...majors)}.x`);
    expect(BUNDLING.target).toBe(`node${Math.max(...majors)}`);
    expect(RUNTIME.isVariable).toBe(false);
  });

  it('names what is wrong when there is no Node.js runtime, or one older than the handlers support', () => {
    expect(() => newestNodeRuntime([lambda.Runtime.PYTHON_3_13])).toThrow(
      'The installed aws-cdk-lib lists no nodejsNN.x Lambda runtime in Runtime.ALL; install aws-cdk-lib 2.269.0 or later.',
    );
    expect(() => checkedNodeMajor(lambda.Runtime.NODEJS_20_X)).toThrow(
      "Switchboard's functions need a Node.js runtime, nodejs22.x or newer; got nodejs20.x. Leave runtime unset for the newest the installed aws-cdk-lib offers.",
    );
    expect(() => bundlingTargetOf(lambda.Runtime.PYTHON_3_13)).toThrow('got python3.13');
    expect(bundlingTargetOf(node('nodejs26.x'))).toBe('node26');
    expect(nodeMajorOf(node('nodejs4.3'))).toBeUndefined();
  });
});
