import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { localApiId } from '../../../../local/aws/ids';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-apigatewayv2-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ref = (id: string) => ({ Ref: id });
const integrationTarget = (id: string) => ({ 'Fn::Join': ['', ['integrations/', ref(id)]] });
const lambdaUri = (fn: string) => ({
  'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': [fn, 'Arn'] }, '/invocations']],
});

describe('the WebSocket API', () => {
  test('the API id is stable for the stack and API; ApiEndpoint and ApiId resolve to it', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'api')), (template) => {
      template.Outputs = {
        Endpoint: { Value: { 'Fn::GetAtt': ['Api', 'ApiEndpoint'] } },
        Id: { Value: { 'Fn::GetAtt': ['Api', 'ApiId'] } },
      };
    });

    const app = loadWebSocketApp(dir);

    expect(app.apiId).toBe(localApiId('Hand', 'Api'));
    expect(app.apiName).toBe('HandApi');
    expect(app.outputs).toEqual({ Endpoint: `wss://${app.apiId}.execute-api.${app.region}.amazonaws.com`, Id: app.apiId });
  });

  test('without a route selection expression, API Gateway default applies', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'expression')), (template) => {
      delete template.Resources.Api.Properties!.RouteSelectionExpression;
    });

    expect(loadWebSocketApp(dir).routeSelectionExpression).toBe('$request.body.action');
  });

  test('the stage: its name and variables resolved; without one, "$default" and a warning', () => {
    const withVariables = editHandTemplate(writeHandAssembly(path.join(tmp, 'stage')), (template) => {
      template.Resources.Stage.Properties!.StageVariables = { region: { Ref: 'AWS::Region' }, plain: 'x' };
    });
    const withoutStage = editHandTemplate(writeHandAssembly(path.join(tmp, 'no-stage')), (template) => {
      delete template.Resources.Stage;
    });

    const app = loadWebSocketApp(withVariables);
    expect(app).toMatchObject({
      stage: 'v1',
      stageVariables: { region: app.region, plain: 'x' },
      warnings: [],
    });
    expect(loadWebSocketApp(withoutStage)).toMatchObject({
      stage: '$default',
      stageVariables: {},
      warnings: ['API Api has no AWS::ApiGatewayV2::Stage; serving it at stage "$default"'],
    });
  });

  test('routes: a Lambda proxy names its function; another integration answers with errors, with a warning; other APIs are left out', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'routes')), (template) => {
      template.Resources.MockIntegration = {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: { ApiId: ref('Api'), IntegrationType: 'MOCK' },
      };
      template.Resources.MockRoute = {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: { ApiId: ref('Api'), RouteKey: 'mock', Target: integrationTarget('MockIntegration') },
      };
      template.Resources.HttpApi = { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } };
      template.Resources.HttpRoute = { Type: 'AWS::ApiGatewayV2::Route', Properties: { ApiId: ref('HttpApi'), RouteKey: 'GET /' } };
    });

    const app = loadWebSocketApp(dir);

    expect([...app.routes.values()]).toEqual([
      { routeKey: '$default', functionLogicalId: 'EchoFn', authorizer: undefined, hasRouteResponse: true },
      { routeKey: 'mock', functionLogicalId: undefined, authorizer: undefined, hasRouteResponse: false },
    ]);
    expect(app.warnings).toEqual(['route mock has no Lambda proxy integration; it answers "Internal server error"']);
  });

  test('a REQUEST authorizer is attached to its route with its function and identity sources', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'authorizer')), (template) => {
      template.Resources.Authorizer = {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: ref('Api'),
          AuthorizerType: 'REQUEST',
          Name: 'TokenAuthorizer',
          AuthorizerUri: lambdaUri('EchoFn'),
          IdentitySource: ['route.request.querystring.token'],
        },
      };
      template.Resources.ConnectRoute = {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: { ApiId: ref('Api'), RouteKey: '$connect', AuthorizerId: ref('Authorizer'), Target: integrationTarget('Integration') },
      };
    });

    expect(loadWebSocketApp(dir).routes.get('$connect')).toEqual({
      routeKey: '$connect',
      functionLogicalId: 'EchoFn',
      authorizer: {
        logicalId: 'Authorizer',
        // What Ref gives, as the source ARN of its invocations names it.
        id: 'Authorizer',
        name: 'TokenAuthorizer',
        functionLogicalId: 'EchoFn',
        identitySources: ['route.request.querystring.token'],
      },
      hasRouteResponse: false,
    });
  });

  test('an authorizer that names no function of the stack is refused at start', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'bad-authorizer')), (template) => {
      template.Resources.Authorizer = {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: ref('Api'),
          AuthorizerType: 'REQUEST',
          AuthorizerUri: 'arn:aws:lambda:us-east-1:123456789012:function:elsewhere',
        },
      };
    });

    expect(() => loadWebSocketApp(dir)).toThrow('authorizer Authorizer does not point at a Lambda function in this stack');
  });

  test('a stack with two WebSocket APIs is refused', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'two-apis')), (template) => {
      template.Resources.SecondApi = { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'WEBSOCKET' } };
    });

    expect(() => loadWebSocketApp(dir)).toThrow('stack Hand defines several WebSocket APIs; the emulator runs one API per stack');
  });
});
