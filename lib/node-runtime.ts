/**
 * Which Lambda Node.js runtime the functions run on, and the esbuild target that goes with it.
 *
 * The default is the newest `nodejsNN.x` that the installed aws-cdk-lib knows: cdk-nag's
 * AwsSolutions-L1 ("the latest runtime version") compares a function's runtime with the newest of
 * its family in that same aws-cdk-lib's `Runtime.ALL`, so a hard-coded runtime fails it as soon as
 * an app upgrades aws-cdk-lib past the release that adds the next one. aws-cdk-lib adds a runtime
 * once Lambda offers it, so the newest it knows is one Lambda supports.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The oldest Node.js major the handlers support (package.json `engines`, @middy/core 6). The
 * package's prebuilt bundles target it, so they run on any runtime a `runtime` prop may pick.
 */
export const OLDEST_NODE_MAJOR = 22;

/** The major version of a `nodejsNN.x` runtime, or undefined for any other runtime (`nodejs`, `nodejs4.3`, `python3.13`). */
export function nodeMajorOf(runtime: lambda.Runtime): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return match ? Number(match[1]) : undefined;
}

/**
 * The newest `nodejsNN.x` among `runtimes` (by default every runtime the installed aws-cdk-lib knows).
 * Never `NODEJS_LATEST`, which names the same runtime but is variable: NodejsFunction then warns
 * that packages the runtime provides may change under the function.
 */
export function newestNodeRuntime(runtimes: readonly lambda.Runtime[] = lambda.Runtime.ALL): lambda.Runtime {
  let newest: lambda.Runtime | undefined;
  for (const runtime of runtimes) {
    if (runtime.isVariable) continue;
    const major = nodeMajorOf(runtime);
    if (major !== undefined && (newest === undefined || major > nodeMajorOf(newest)!)) newest = runtime;
  }
  if (newest === undefined) {
    throw new Error('The installed aws-cdk-lib lists no nodejsNN.x Lambda runtime in Runtime.ALL; install aws-cdk-lib 2.269.0 or later.');
  }
  return newest;
}

/** The esbuild target for a runtime: `node24` for nodejs24.x. Throws for a runtime the handlers cannot run on. */
export function bundlingTargetOf(runtime: lambda.Runtime): string {
  return `node${checkedNodeMajor(runtime)}`;
}

/** The runtime's Node.js major, checked: a Node.js runtime no older than OLDEST_NODE_MAJOR. */
export function checkedNodeMajor(runtime: lambda.Runtime): number {
  const major = nodeMajorOf(runtime);
  if (major === undefined || major < OLDEST_NODE_MAJOR) {
    throw new Error(
      `Switchboard's functions need a Node.js runtime, nodejs${OLDEST_NODE_MAJOR}.x or newer; got ${runtime.name}. Leave runtime unset for the newest the installed aws-cdk-lib offers.`,
    );
  }
  return major;
}
