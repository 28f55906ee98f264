/**
 * Reads a synthesized cloud assembly (cdk.out): lists its stacks, picks the one with the
 * WebSocket API, and reads it into the app spec the emulator runs (stack-reader.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { WebSocketAppSpec } from './app-spec';
import { AssemblyError } from './assembly-error';
import { RESOURCE_READERS } from './resources';
import { websocketApiIds } from './resources/apigatewayv2';
import type { ResourceReader } from './resources/reader';
import { readStack } from './stack-reader';
import type { Template } from './template';

export { AssemblyError } from './assembly-error';
// The spec's types, for the modules that import them from here (local/runtime/).
export type { AssemblyRoute, AuthorizerSpec, FunctionSpec, TableSpec, WebSocketAppSpec } from './app-spec';

interface StackArtifact {
  readonly stackName: string;
  readonly templatePath: string;
  readonly region?: string;
  readonly accountId?: string;
}

/** Lists the CloudFormation stacks in an assembly, nested stage assemblies included. */
export function listStacks(assemblyDir: string): StackArtifact[] {
  const manifestPath = path.join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new AssemblyError(`${assemblyDir} is not a cloud assembly: ${manifestPath} does not exist (run "cdk synth" first)`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, { type: string; environment?: string; properties?: Record<string, string> }>;
  };
  const stacks: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const [, accountId, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '') ?? [];
      stacks.push({
        stackName: artifact.properties.stackName ?? id,
        templatePath: path.join(assemblyDir, artifact.properties.templateFile),
        region: region && !region.startsWith('unknown-') ? region : undefined,
        accountId: accountId && !accountId.startsWith('unknown-') ? accountId : undefined,
      });
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...listStacks(path.join(assemblyDir, artifact.properties.directoryName)));
    }
  }
  return stacks;
}

/**
 * Loads the stack to emulate: the named one, or the one stack that has a WebSocket API.
 * `readers` are the resource readers to read it with (tests add their own).
 */
export function loadWebSocketApp(
  assemblyDir: string,
  stackName?: string,
  readers: readonly ResourceReader[] = RESOURCE_READERS,
): WebSocketAppSpec {
  const dir = path.resolve(assemblyDir);
  const stacks = listStacks(dir);
  const withApi = stacks
    .map((s) => ({ ...s, template: JSON.parse(readFileSync(s.templatePath, 'utf8')) as Template }))
    .filter((s) => websocketApiIds(s.template).length > 0);
  let chosen;
  if (stackName) {
    chosen = withApi.find((s) => s.stackName === stackName);
    if (!chosen) {
      const names = stacks.map((s) => s.stackName).join(', ') || 'none';
      throw new AssemblyError(`stack "${stackName}" has no WebSocket API in ${dir} (stacks: ${names})`);
    }
  } else if (withApi.length === 1) {
    chosen = withApi[0];
  } else if (withApi.length === 0) {
    throw new AssemblyError(`no stack in ${dir} defines a WebSocket API (AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET)`);
  } else {
    throw new AssemblyError(
      `several stacks define a WebSocket API (${withApi.map((s) => s.stackName).join(', ')}): choose one with --stack`,
    );
  }
  const { stackName: name, template, region, accountId } = chosen;
  return readStack({ assemblyDir: dir, stackName: name, template, region, accountId }, readers);
}
