/**
 * Reads a synthesized cloud assembly (cdk.out) and extracts the WebSocket API model the
 * emulator runs: stage, route selection expression, routes, Lambda functions, authorizers,
 * route responses and DynamoDB tables.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { localApiId } from '../aws/ids';
import { apiDomainName } from '../aws/endpoints';
import { type IntrinsicContext, IntrinsicError, pseudoParameters, resolveString, resolveValue } from './intrinsics';

type Template = {
  Resources?: Record<string, Resource>;
  Parameters?: Record<string, { Default?: unknown }>;
  Outputs?: Record<string, { Value?: unknown }>;
};
type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };

/** A Lambda function the emulator can run. */
export interface FunctionSpec {
  readonly logicalId: string;
  /** The physical function name (AWS_LAMBDA_FUNCTION_NAME). */
  readonly functionName: string;
  /** Absolute path of the bundled asset folder. */
  readonly codeDir: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** Environment variables with intrinsics resolved (callback URLs not yet rewritten). */
  readonly environment: Record<string, string>;
  /** Why the emulator cannot run this function (a runtime other than Node.js); its invocations fail with 500. */
  readonly unsupported?: string;
}

/** A Lambda REQUEST authorizer attached to a route. */
export interface AuthorizerSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly functionLogicalId: string;
  /** e.g. `route.request.querystring.token`, `route.request.header.Authorization`. */
  readonly identitySources: readonly string[];
}

export interface AssemblyRoute {
  readonly routeKey: string;
  /** The integrated function, or undefined when the integration is not a Lambda proxy. */
  readonly functionLogicalId?: string;
  readonly authorizer?: AuthorizerSpec;
  /** True when the route has a `$default` route response (a two-way route). */
  readonly hasRouteResponse: boolean;
}

export interface TableSpec {
  readonly logicalId: string;
  readonly tableName: string;
  readonly keySchema: unknown[];
  readonly attributeDefinitions: unknown[];
  readonly globalSecondaryIndexes: unknown[];
  readonly localSecondaryIndexes: unknown[];
  /** The TTL attribute: dynalite does not expire items, so the store's TTL sweeper deletes those past it. */
  readonly ttlAttribute?: string;
}

/** Everything the emulator needs from one stack. */
export interface WebSocketAppSpec {
  readonly assemblyDir: string;
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly urlSuffix: string;
  readonly apiLogicalId: string;
  readonly apiName: string;
  /** The local API id, used in apiId, methodArn and the callback URL that gets rewritten. */
  readonly apiId: string;
  readonly stage: string;
  readonly stageVariables: Record<string, string>;
  readonly routeSelectionExpression: string;
  readonly routes: ReadonlyMap<string, AssemblyRoute>;
  readonly functions: ReadonlyMap<string, FunctionSpec>;
  readonly tables: readonly TableSpec[];
  /** Cognito user pools (local pool id = logical id) and their app client ids, for the local issuer. */
  readonly userPools: readonly { readonly poolId: string; readonly clientIds: readonly string[] }[];
  /** The stack's outputs as they resolve locally (e.g. a function name output is the emulator's name for it); unresolvable ones are left out. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Values that could not be resolved and were left empty. */
  readonly warnings: readonly string[];
}

export class AssemblyError extends Error {}

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

function websocketApiIds(template: Template): string[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Api' && r.Properties?.ProtocolType === 'WEBSOCKET')
    .map(([id]) => id);
}

/** Loads the stack to emulate: the named one, or the one stack that has a WebSocket API. */
export function loadWebSocketApp(assemblyDir: string, stackName?: string): WebSocketAppSpec {
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
  return readStack(dir, chosen.stackName, chosen.template, chosen.region, chosen.accountId);
}

function readStack(
  assemblyDir: string,
  stackName: string,
  template: Template,
  regionHint?: string,
  accountHint?: string,
): WebSocketAppSpec {
  const resources = template.Resources ?? {};
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const [apiLogicalId] = websocketApiIds(template);
  if (websocketApiIds(template).length > 1) {
    throw new AssemblyError(`stack ${stackName} defines several WebSocket APIs; the emulator runs one API per stack`);
  }
  const region = regionHint ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const accountId = accountHint ?? '123456789012';
  const pseudo = pseudoParameters(region, accountId, stackName);
  const apiId = localApiId(stackName, apiLogicalId);
  const warnings: string[] = [];

  const tableTypes = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);
  const physicalNames = new Map<string, string>();
  const stageResource = ofType('AWS::ApiGatewayV2::Stage').find(([, r]) => refTarget(r.Properties?.ApiId) === apiLogicalId);
  for (const [id, r] of Object.entries(resources)) {
    const props = r.Properties ?? {};
    if (tableTypes.has(r.Type)) {
      physicalNames.set(id, typeof props.TableName === 'string' ? props.TableName : `${stackName}-${id}`);
    } else if (r.Type === 'AWS::Lambda::Function') {
      physicalNames.set(id, typeof props.FunctionName === 'string' ? props.FunctionName : `${stackName}-${id}`.slice(0, 64));
    } else if (r.Type === 'AWS::ApiGatewayV2::Api') {
      physicalNames.set(id, id === apiLogicalId ? apiId : localApiId(stackName, id));
    } else if (r.Type === 'AWS::ApiGatewayV2::Stage' && typeof props.StageName === 'string') {
      physicalNames.set(id, props.StageName);
    }
  }

  const ctx: IntrinsicContext = {
    pseudo,
    ref(logicalId) {
      const param = template.Parameters?.[logicalId];
      if (param) return param.Default === undefined ? '' : scalarText(param.Default);
      if (!(logicalId in resources)) return undefined;
      return physicalNames.get(logicalId) ?? logicalId;
    },
    getAtt(logicalId, attribute) {
      const r = resources[logicalId];
      if (!r) return undefined;
      const name = physicalNames.get(logicalId) ?? logicalId;
      const arn = (service: string, rest: string) => `arn:${pseudo['AWS::Partition']}:${service}:${region}:${accountId}:${rest}`;
      if (r.Type === 'AWS::Lambda::Function' && attribute === 'Arn') return arn('lambda', `function:${name}`);
      if (tableTypes.has(r.Type) && attribute === 'Arn') return arn('dynamodb', `table/${name}`);
      if (tableTypes.has(r.Type) && attribute === 'StreamArn') return arn('dynamodb', `table/${name}/stream/local`);
      if (r.Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') {
        return `wss://${apiDomainName({ apiId: name, region, urlSuffix: pseudo['AWS::URLSuffix'] })}`;
      }
      if (r.Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiId') return name;
      if (r.Type === 'AWS::IAM::Role' && attribute === 'Arn') return `arn:${pseudo['AWS::Partition']}:iam::${accountId}:role/${name}`;
      if (attribute === 'Arn') return arn(r.Type.split('::')[1]?.toLowerCase() ?? 'unknown', name);
      return `${name}.${attribute}`;
    },
  };
  /** A string property, literal or intrinsic, or the fallback when absent. */
  const stringProp = (value: unknown, fallback: string): string => (value === undefined ? fallback : resolveString(value, ctx));

  const apiProps = resources[apiLogicalId].Properties ?? {};
  const stage = stageResource ? resolveString(stageResource[1].Properties?.StageName, ctx) : '$default';
  if (!stageResource) warnings.push(`API ${apiLogicalId} has no AWS::ApiGatewayV2::Stage; serving it at stage "$default"`);
  const stageVariables = stageResource
    ? (resolveValue(stageResource[1].Properties?.StageVariables ?? {}, ctx) as Record<string, string>)
    : {};

  const functions = new Map<string, FunctionSpec>();
  const readFunction = (logicalId: string): FunctionSpec => {
    const existing = functions.get(logicalId);
    if (existing) return existing;
    const r = resources[logicalId];
    const props = r.Properties ?? {};
    const runtime = stringProp(props.Runtime, '');
    if (!runtime.startsWith('nodejs')) {
      // Listed at start and answered with 500, never a reason to refuse the whole app.
      const spec: FunctionSpec = {
        logicalId,
        functionName: physicalNames.get(logicalId) ?? logicalId,
        codeDir: '',
        handler: stringProp(props.Handler, ''),
        runtime,
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySize: Number(props.MemorySize ?? 128),
        environment: {},
        unsupported: `runtime "${runtime || '(none)'}" is not a Node.js runtime; the emulator runs only Node.js functions`,
      };
      functions.set(logicalId, spec);
      return spec;
    }
    // Asset metadata is on by default in the CDK CLI; without it, the S3 key names the asset hash.
    const s3Key = (props.Code as { S3Key?: unknown } | undefined)?.S3Key;
    const hashFromKey = typeof s3Key === 'string' ? /^([a-f0-9]{64})\.zip$/.exec(s3Key)?.[1] : undefined;
    const assetPath = r.Metadata?.['aws:asset:path'] ?? (hashFromKey ? `asset.${hashFromKey}` : undefined);
    if (typeof assetPath !== 'string') {
      throw new AssemblyError(
        `function ${logicalId} has no "aws:asset:path" metadata; only asset-bundled code (e.g. NodejsFunction) can run locally`,
      );
    }
    const codeDir = path.resolve(assemblyDir, assetPath);
    if (!existsSync(codeDir) || !statSync(codeDir).isDirectory()) {
      throw new AssemblyError(`function ${logicalId}: asset ${codeDir} is not a folder (zip assets are not supported)`);
    }
    const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(variables)) {
      try {
        environment[key] = resolveString(value, ctx);
      } catch (err: unknown) {
        if (!(err instanceof IntrinsicError)) throw err;
        warnings.push(`function ${logicalId}: environment variable ${key} left empty: ${err.message}`);
        environment[key] = '';
      }
    }
    const spec: FunctionSpec = {
      logicalId,
      functionName: physicalNames.get(logicalId) ?? logicalId,
      codeDir,
      handler: stringProp(props.Handler, 'index.handler'),
      runtime,
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      environment,
    };
    functions.set(logicalId, spec);
    return spec;
  };

  /** The Lambda function an integration or authorizer URI points at. */
  const functionOfUri = (uri: unknown): string | undefined => findGetAtt(uri, (id) => resources[id]?.Type === 'AWS::Lambda::Function');

  const authorizers = new Map<string, AuthorizerSpec>();
  for (const [id, r] of ofType('AWS::ApiGatewayV2::Authorizer')) {
    const props = r.Properties ?? {};
    if (refTarget(props.ApiId) !== apiLogicalId || props.AuthorizerType !== 'REQUEST') continue;
    const functionLogicalId = functionOfUri(props.AuthorizerUri);
    if (!functionLogicalId) throw new AssemblyError(`authorizer ${id} does not point at a Lambda function in this stack`);
    readFunction(functionLogicalId);
    const sources = props.IdentitySource;
    authorizers.set(id, {
      logicalId: id,
      name: stringProp(props.Name, id),
      functionLogicalId,
      identitySources: Array.isArray(sources) ? sources.map((s) => resolveString(s, ctx)) : [],
    });
  }

  const routesWithResponse = new Set(
    ofType('AWS::ApiGatewayV2::RouteResponse')
      .filter(([, r]) => r.Properties?.RouteResponseKey === '$default')
      .map(([, r]) => refTarget(r.Properties?.RouteId)),
  );
  const routes = new Map<string, AssemblyRoute>();
  for (const [id, r] of ofType('AWS::ApiGatewayV2::Route')) {
    const props = r.Properties ?? {};
    if (refTarget(props.ApiId) !== apiLogicalId) continue;
    const routeKey = resolveString(props.RouteKey, ctx);
    const integrationId = findRef(props.Target, (t) => resources[t]?.Type === 'AWS::ApiGatewayV2::Integration');
    const integration = integrationId ? (resources[integrationId].Properties ?? {}) : {};
    const functionLogicalId = integration.IntegrationType === 'AWS_PROXY' ? functionOfUri(integration.IntegrationUri) : undefined;
    if (functionLogicalId) readFunction(functionLogicalId);
    else warnings.push(`route ${routeKey} has no Lambda proxy integration; it answers "Internal server error"`);
    const authorizerId = refTarget(props.AuthorizerId);
    routes.set(routeKey, {
      routeKey,
      functionLogicalId,
      authorizer: authorizerId ? authorizers.get(authorizerId) : undefined,
      hasRouteResponse: routesWithResponse.has(id),
    });
  }

  // Every other Node function with a bundled asset too: backends invoke them through the local
  // Lambda Invoke API (the publish function, for one). A Node function that cannot run here is left
  // out with a warning; other runtimes (mostly CDK's custom resource providers) silently.
  for (const [id, r] of ofType('AWS::Lambda::Function')) {
    if (functions.has(id)) continue;
    try {
      if (stringProp(r.Properties?.Runtime, '').startsWith('nodejs')) readFunction(id);
    } catch (err: unknown) {
      if (!(err instanceof AssemblyError || err instanceof IntrinsicError)) throw err;
      warnings.push(`function ${id} is not served by the local Lambda Invoke API: ${err.message}`);
    }
  }

  const tables: TableSpec[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (!tableTypes.has(r.Type)) continue;
    const props = resolveValue(r.Properties ?? {}, ctx) as Record<string, unknown>;
    const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    tables.push({
      logicalId: id,
      tableName: physicalNames.get(id) ?? id,
      keySchema: (props.KeySchema as unknown[]) ?? [],
      attributeDefinitions: (props.AttributeDefinitions as unknown[]) ?? [],
      globalSecondaryIndexes: (props.GlobalSecondaryIndexes as unknown[]) ?? [],
      localSecondaryIndexes: (props.LocalSecondaryIndexes as unknown[]) ?? [],
      ttlAttribute: ttl && ttl.Enabled !== false ? ttl.AttributeName : undefined,
    });
  }

  const userPools = ofType('AWS::Cognito::UserPool').map(([poolLogicalId]) => ({
    poolId: ctx.ref(poolLogicalId)!,
    clientIds: ofType('AWS::Cognito::UserPoolClient')
      .filter(([, client]) => refTarget(client.Properties?.UserPoolId) === poolLogicalId)
      .map(([clientLogicalId]) => ctx.ref(clientLogicalId)!),
  }));

  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    try {
      outputs[name] = resolveString(output.Value, ctx);
    } catch (err: unknown) {
      if (!(err instanceof IntrinsicError)) throw err;
    }
  }

  return {
    assemblyDir,
    stackName,
    region,
    accountId,
    urlSuffix: pseudo['AWS::URLSuffix'],
    apiLogicalId,
    apiName: stringProp(apiProps.Name, apiLogicalId),
    apiId,
    stage,
    stageVariables,
    routeSelectionExpression: stringProp(apiProps.RouteSelectionExpression, '$request.body.action'),
    routes,
    functions,
    tables,
    userPools,
    outputs,
    warnings,
  };
}

/** A template scalar (a parameter default) as text; lists and objects as JSON. */
function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The logical id of a plain `{ Ref: id }`. */
function refTarget(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'Ref' in value) return String(value.Ref);
  return undefined;
}

/** The first `Ref` inside `value` whose logical id passes `accept`. */
function findRef(value: unknown, accept: (id: string) => boolean): string | undefined {
  return findIntrinsic(value, (key, arg) => (key === 'Ref' && accept(String(arg)) ? String(arg) : undefined));
}

/** The first `Fn::GetAtt [id, 'Arn']` inside `value` whose logical id passes `accept`. */
function findGetAtt(value: unknown, accept: (id: string) => boolean): string | undefined {
  return findIntrinsic(value, (key, arg) => {
    if (key !== 'Fn::GetAtt') return undefined;
    const id = String(Array.isArray(arg) ? arg[0] : String(arg).split('.')[0]);
    return accept(id) ? id : undefined;
  });
}

function findIntrinsic(value: unknown, match: (key: string, arg: unknown) => string | undefined): string | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findIntrinsic(v, match);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, arg] of Object.entries(value)) {
      const found = match(key, arg) ?? findIntrinsic(arg, match);
      if (found) return found;
    }
  }
  return undefined;
}
