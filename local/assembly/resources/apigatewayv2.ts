/**
 * API Gateway's WebSocket API: the API, its stage, its Lambda REQUEST authorizers, and its routes
 * with their integrations and route responses. Only the resources of the stack's one WebSocket
 * API contribute; another API's resources are named, so intrinsics that mention them resolve.
 */
import type { AssemblyRoute, AuthorizerSpec } from '../app-spec';
import { AssemblyError } from '../assembly-error';
import { apiDomainName } from '../../aws/endpoints';
import { localApiId } from '../../aws/ids';
import { findRef, refTarget, type Template } from '../template';
import { functionInUri, readFunction } from './lambda';
import { literalName, type ResourceReader, type StackReading, type StackResource } from './reader';

const API = 'AWS::ApiGatewayV2::Api';
const STAGE = 'AWS::ApiGatewayV2::Stage';
const AUTHORIZER = 'AWS::ApiGatewayV2::Authorizer';
const INTEGRATION = 'AWS::ApiGatewayV2::Integration';
const ROUTE = 'AWS::ApiGatewayV2::Route';
const ROUTE_RESPONSE = 'AWS::ApiGatewayV2::RouteResponse';

/** What API Gateway uses when the template sets none. */
const DEFAULTS = { routeSelectionExpression: '$request.body.action', stage: '$default' } as const;

/** The logical ids of a template's WebSocket APIs (`AWS::ApiGatewayV2::Api` with ProtocolType WEBSOCKET). */
export function websocketApiIds(template: Template): string[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === API && r.Properties?.ProtocolType === 'WEBSOCKET')
    .map(([id]) => id);
}

/** Whether a resource belongs to the app's API (its `ApiId` is a `Ref` to it). */
function ofTheApi(resource: StackResource, reading: StackReading): boolean {
  return refTarget(resource.properties.ApiId) === reading.apiLogicalId;
}

export const apiReader: ResourceReader = {
  types: [API],
  // Stable for one stack and API, so URLs survive restarts.
  physicalId: (resource, stack) => localApiId(stack.stackName, resource.logicalId),
  attributes: {
    ApiEndpoint: (resource, stack) =>
      `wss://${apiDomainName({ apiId: resource.physicalId, region: stack.region, urlSuffix: stack.urlSuffix })}`,
    ApiId: (resource) => resource.physicalId,
  },
  contribute(_resources, reading) {
    const { properties } = reading.resource(reading.apiLogicalId)!;
    reading.spec.apiName = reading.stringProperty(properties.Name, reading.apiLogicalId);
    reading.spec.routeSelectionExpression = reading.stringProperty(properties.RouteSelectionExpression, DEFAULTS.routeSelectionExpression);
  },
};

export const stageReader: ResourceReader = {
  types: [STAGE],
  physicalId: (resource) => literalName(resource.properties.StageName) ?? resource.logicalId,
  contribute(resources, reading) {
    const stage = resources.find((r) => ofTheApi(r, reading));
    if (!stage) {
      reading.spec.warnings.push(`API ${reading.apiLogicalId} has no ${STAGE}; serving it at stage "${DEFAULTS.stage}"`);
      reading.spec.stage = DEFAULTS.stage;
      return;
    }
    reading.spec.stage = reading.resolveString(stage.properties.StageName);
    reading.spec.stageVariables = reading.resolveValue(stage.properties.StageVariables ?? {}) as Record<string, string>;
  },
};

export const authorizerReader: ResourceReader = {
  types: [AUTHORIZER],
  // Every REQUEST authorizer of the API is read, used by a route or not: one that names no
  // function of the stack is an error at start, and its function is one the app runs.
  contribute(resources, reading) {
    for (const { logicalId } of resources) requestAuthorizer(reading, logicalId);
  },
};

/** The API's Lambda REQUEST authorizer with this logical id; undefined for any other authorizer. */
function requestAuthorizer(reading: StackReading, logicalId: string): AuthorizerSpec | undefined {
  const resource = reading.resource(logicalId);
  if (resource?.type !== AUTHORIZER || !ofTheApi(resource, reading) || resource.properties.AuthorizerType !== 'REQUEST') {
    return undefined;
  }
  const { properties } = resource;
  const functionLogicalId = functionInUri(reading, properties.AuthorizerUri);
  if (!functionLogicalId) throw new AssemblyError(`authorizer ${logicalId} does not point at a Lambda function in this stack`);
  readFunction(reading, functionLogicalId);
  const sources = properties.IdentitySource;
  return {
    logicalId,
    id: reading.ref(logicalId)!,
    name: reading.stringProperty(properties.Name, logicalId),
    functionLogicalId,
    identitySources: Array.isArray(sources) ? sources.map((s) => reading.resolveString(s)) : [],
  };
}

/** Read with the route that targets it (see routeReader). */
export const integrationReader: ResourceReader = { types: [INTEGRATION] };

/** Read with the route it answers for (see routeReader). */
export const routeResponseReader: ResourceReader = { types: [ROUTE_RESPONSE] };

export const routeReader: ResourceReader = {
  types: [ROUTE],
  contribute(resources, reading) {
    const routesWithResponse = new Set(
      reading
        .resourcesOfType(ROUTE_RESPONSE)
        .filter((r) => r.properties.RouteResponseKey === '$default')
        .map((r) => refTarget(r.properties.RouteId)),
    );
    for (const resource of resources) {
      if (!ofTheApi(resource, reading)) continue;
      const route = readRoute(reading, resource, routesWithResponse.has(resource.logicalId));
      reading.spec.routes.set(route.routeKey, route);
    }
  },
};

/** A route, with the function its Lambda proxy integration names and its authorizer. */
function readRoute(reading: StackReading, resource: StackResource, hasRouteResponse: boolean): AssemblyRoute {
  const { properties } = resource;
  const routeKey = reading.resolveString(properties.RouteKey);
  const integrationId = findRef(properties.Target, (id) => reading.resource(id)?.type === INTEGRATION);
  const integration = integrationId ? reading.resource(integrationId)!.properties : {};
  const functionLogicalId = integration.IntegrationType === 'AWS_PROXY' ? functionInUri(reading, integration.IntegrationUri) : undefined;
  if (functionLogicalId) readFunction(reading, functionLogicalId);
  else reading.spec.warnings.push(`route ${routeKey} has no Lambda proxy integration; it answers "Internal server error"`);
  const authorizerId = refTarget(properties.AuthorizerId);
  return {
    routeKey,
    functionLogicalId,
    authorizer: authorizerId ? requestAuthorizer(reading, authorizerId) : undefined,
    hasRouteResponse,
  };
}
