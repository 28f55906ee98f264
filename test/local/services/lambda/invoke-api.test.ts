/**
 * The emulator's Lambda Invoke API: name resolution, Lambda's status codes and error shapes as
 * @aws-sdk/client-lambda reads them, the Host and browser rules, and functions that invoke
 * functions. A real emulator on a hand-made assembly, called with the real SDK client.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import type { FunctionSpec } from '../../../../local/assembly/app-spec';
import { destinationOf } from '../../../../local/aws/endpoints';
import { allowEverything } from '../../../../local/iam/authority';
import { functionAccessKeyId, PrincipalDirectory } from '../../../../local/iam/principals';
import { banner } from '../../../../local/cli/cli';
import { LOCAL_CREDENTIALS } from '../../../../protocol/local-endpoints';
import { startEmulator, type Emulator } from '../../../../local/emulator';
import {
  INVOKE_LIMITS,
  LambdaInvokeApi,
  lookupFunction,
  publishFunctionOf,
  syncAnswer,
} from '../../../../local/services/lambda/invoke-api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_PATHS } from '../../../../protocol';
import { fixtureFunctionName, LAMBDA_FIXTURE, writeLambdaApiAssembly } from '../../fixtures/lambda-api-assembly';

const { region, accountId } = LAMBDA_FIXTURE;

function spec(logicalId: string, functionName = fixtureFunctionName(logicalId)): FunctionSpec {
  return {
    logicalId,
    functionName,
    codeDir: '/x',
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 3,
    memorySize: 128,
    environment: {},
  };
}

describe('lookupFunction', () => {
  const publish = spec(LAMBDA_FIXTURE.publishId);
  const app = { region, accountId, functions: new Map([[publish.logicalId, publish]]) };
  const name = publish.functionName;

  test.each([
    ['its physical name', name],
    ['its logical id', publish.logicalId],
    ['its name with :$LATEST', `${name}:$LATEST`],
    ['its full ARN', `arn:aws:lambda:${region}:${accountId}:function:${name}`],
    ['its full ARN with :$LATEST', `arn:aws:lambda:${region}:${accountId}:function:${name}:$LATEST`],
    ['its partial ARN', `${accountId}:function:${name}`],
  ])('finds a function by %s', (_what, functionName) => {
    expect(lookupFunction(app, functionName)).toEqual({ spec: publish });
  });

  test('an unknown name is ResourceNotFoundException, naming the ARN and what is served', () => {
    expect(lookupFunction(app, 'nope')).toEqual({
      refusal: {
        status: 404,
        errorType: 'ResourceNotFoundException',
        message: `Function not found: arn:aws:lambda:${region}:${accountId}:function:nope (the emulator serves: ${name})`,
      },
    });
  });

  test('an ARN of another region or account is not found, and says which ones are served', () => {
    const other = lookupFunction(app, `arn:aws:lambda:us-east-1:${accountId}:function:${name}`);
    expect(other).toMatchObject({ refusal: { status: 404, errorType: 'ResourceNotFoundException' } });
    expect('refusal' in other && other.refusal.message).toContain(`region ${region}, account ${accountId}`);
    expect(lookupFunction(app, `999999999999:function:${name}`)).toMatchObject({ refusal: { status: 404 } });
  });

  test('only $LATEST runs: a version or alias is not found', () => {
    expect(lookupFunction(app, `${name}:prod`)).toMatchObject({
      refusal: { status: 404, message: expect.stringContaining('$LATEST only') },
    });
    expect(lookupFunction(app, name, '3')).toMatchObject({ refusal: { status: 404 } });
    expect(lookupFunction(app, name, '$LATEST')).toEqual({ spec: publish });
  });

  test('a qualifier in the name that differs from the Qualifier parameter is a bad request', () => {
    expect(lookupFunction(app, `${name}:$LATEST`, 'prod')).toMatchObject({
      refusal: { status: 400, errorType: 'InvalidParameterValueException' },
    });
  });

  test('a malformed name is a bad request', () => {
    expect(lookupFunction(app, 'a:b:c:d')).toMatchObject({ refusal: { status: 400, errorType: 'InvalidParameterValueException' } });
  });
});

describe('publishFunctionOf', () => {
  const publish = spec(LAMBDA_FIXTURE.publishId);
  const other = spec('SwitchboardMessageHandlerFunction99');
  const functions = new Map([publish, other].map((f) => [f.logicalId, f]));

  test('takes the function the PublishFunctionName output names', () => {
    expect(publishFunctionOf({ region, accountId, functions, outputs: { PublishFunctionName: publish.functionName } })).toBe(publish);
    // An output naming something the emulator does not run means no publish function, not a guess.
    expect(publishFunctionOf({ region, accountId, functions, outputs: { PublishFunctionName: 'elsewhere' } })).toBeUndefined();
  });

  test('without the output, takes the one function whose logical id has PublishHandler in it', () => {
    expect(publishFunctionOf({ region, accountId, functions, outputs: {} })).toBe(publish);
    const two = new Map([...functions, ['OtherPublishHandlerFunction', spec('OtherPublishHandlerFunction')]]);
    expect(publishFunctionOf({ region, accountId, functions: two, outputs: {} })).toBeUndefined();
    expect(publishFunctionOf({ region, accountId, functions: new Map([[other.logicalId, other]]), outputs: {} })).toBeUndefined();
  });
});

describe('syncAnswer', () => {
  test('a result over 6 MB is the function error Lambda reports instead', () => {
    const answer = syncAnswer({ ok: true, requestId: 'r', durationMs: 1, result: 'x'.repeat(INVOKE_LIMITS.syncPayloadBytes) });
    expect(answer.functionError).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
    expect(JSON.parse(answer.payload)).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
  });

  test('a handler that returns nothing answers null', () => {
    expect(syncAnswer({ ok: true, requestId: 'r', durationMs: 1, result: undefined })).toEqual({ payload: 'null' });
  });
});

test('Lambda hosts of the app region go to the gateway, as @connections does', () => {
  const local = {
    region,
    urlSuffix: 'amazonaws.com',
    apis: { abc: '127.0.0.1:9' },
    services: { lambda: '127.0.0.1:9', dynamodb: '127.0.0.1:8' },
  };
  expect(destinationOf(`lambda.${region}.amazonaws.com`, local)).toEqual({ kind: 'local', service: 'lambda', target: '127.0.0.1:9' });
  expect(destinationOf('lambda.us-east-1.amazonaws.com', local)).toMatchObject({ kind: 'refused', service: 'lambda' });
});

describe('who may invoke', () => {
  test('a peer on another machine is refused, even with a Host header naming this one (--host 0.0.0.0 reaches it)', async () => {
    // GIVEN the API listening on every interface, and a request from another machine that says Host: 127.0.0.1
    const invoked: string[] = [];
    const api = new LambdaInvokeApi({
      app: () => ({ region, accountId, functions: new Map([[LAMBDA_FIXTURE.publishId, spec(LAMBDA_FIXTURE.publishId)]]) }),
      invoke: (id) => {
        invoked.push(id);
        return Promise.resolve({ ok: true, requestId: 'r', durationMs: 1, result: null });
      },
      invokeWhenFree: () => Promise.reject(new Error('not expected')),
      listenHost: '0.0.0.0',
      iam: allowEverything(new PrincipalDirectory({ stackName: 'Chat', accountId }, [])),
      log: () => undefined,
    });
    const urlPath = `/2015-03-31/functions/${LAMBDA_FIXTURE.publishId}/invocations`;
    const req = { method: 'POST', url: urlPath, headers: { host: '127.0.0.1:3001' }, socket: { remoteAddress: '203.0.113.7' } };
    const answer: { status?: number; body?: string } = {};
    const res = {
      writeHead(status: number) {
        answer.status = status;
        return this;
      },
      end(body: string) {
        answer.body = body;
      },
    };

    // WHEN it invokes
    const handled = await api.handle(req as unknown as IncomingMessage, res as unknown as ServerResponse, new URL(urlPath, 'http://local'));

    // THEN it is refused as Lambda refuses a caller, and nothing runs
    expect(handled).toBe(true);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body!)).toMatchObject({
      __type: 'AccessDeniedException',
      message: "The emulator's Lambda API answers only programs on this machine; this request came from 203.0.113.7.",
    });
    expect(invoked).toEqual([]);
  });
});

describe('the Invoke API on a running emulator', () => {
  let tmp: string;
  let emu: Emulator;
  let lambda: LambdaClient;
  const log: string[] = [];
  const invokeLines = () => log.filter((line) => line.startsWith('INVOKE'));

  /** A raw HTTP call, for what the SDK would not send (a foreign Host, an Origin, bad JSON). */
  function call(method: string, urlPath: string, headers: Record<string, string>, body?: string) {
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: emu.port, method, path: urlPath, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const invokePath = (name: string) => `/2015-03-31/functions/${encodeURIComponent(name)}/invocations`;
  const invoke = async (FunctionName: string, payload: unknown, extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {}) => {
    const out = await lambda.send(new InvokeCommand({ FunctionName, Payload: JSON.stringify(payload), ...extra }));
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    return { ...out, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-lambda-api-'));
    emu = await startEmulator({ assemblyDir: writeLambdaApiAssembly(tmp), port: 0, log: (line) => log.push(line) });
    lambda = new LambdaClient({ endpoint: emu.lambdaEndpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  });

  afterAll(async () => {
    lambda?.destroy();
    await emu?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  beforeEach(() => {
    log.length = 0;
  });

  test('serves functions no route uses, under the name Ref gives them (as an output resolves it)', async () => {
    expect(emu.app.functions.has(LAMBDA_FIXTURE.publishId)).toBe(true);
    expect(emu.app.outputs.PublishFunctionName).toBe(fixtureFunctionName(LAMBDA_FIXTURE.publishId));
    const out = await invoke(emu.app.outputs.PublishFunctionName, { room: 'lobby', data: 'hello' });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.json).toMatchObject({ room: 'lobby', delivered: 5, failed: 0, from: 'server' });
    expect(invokeLines()).toEqual([
      expect.stringMatching(new RegExp(`^INVOKE +${LAMBDA_FIXTURE.publishId} RequestResponse 200 [\\d.]+ms$`)),
    ]);
  });

  test('answers by logical id and by ARN too', async () => {
    expect((await invoke(LAMBDA_FIXTURE.publishId, { room: 'a', data: 'x' })).json).toMatchObject({ room: 'a' });
    const arn = `arn:aws:lambda:${region}:${accountId}:function:${fixtureFunctionName(LAMBDA_FIXTURE.publishId)}`;
    expect((await invoke(arn, { room: 'b', data: 'x' })).json).toMatchObject({ room: 'b' });
  });

  test("a function's error is 200 with X-Amz-Function-Error: Unhandled and its errorType and errorMessage", async () => {
    const out = await invoke(LAMBDA_FIXTURE.failId, {});
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom: the fixture always fails' });
    expect(invokeLines()).toEqual([expect.stringContaining(`${LAMBDA_FIXTURE.failId} RequestResponse 200 Unhandled (TypeError: boom`)]);
  });

  test('an unknown function is ResourceNotFoundException, as the SDK throws it', async () => {
    const attempt = invoke('no-such-function', {});
    await expect(attempt).rejects.toThrow(ResourceNotFoundException);
    await expect(attempt).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining(`Function not found: arn:aws:lambda:${region}:${accountId}:function:no-such-function`),
      $metadata: { httpStatusCode: 404 },
    });
    expect(invokeLines()).toEqual(['INVOKE     no-such-function 404 (ResourceNotFoundException)']);
  });

  test('functions the emulator cannot run are not served; start warns about a Node one only', async () => {
    await expect(invoke(LAMBDA_FIXTURE.pythonId, {})).rejects.toThrow(ResourceNotFoundException);
    await expect(invoke(LAMBDA_FIXTURE.inlineId, {})).rejects.toThrow(ResourceNotFoundException);
    // A Python function is usually a CDK custom resource: nothing to say about it.
    expect(emu.app.warnings).toEqual([
      expect.stringMatching(new RegExp(`^function ${LAMBDA_FIXTURE.inlineId} is not served .*aws:asset:path`)),
    ]);
  });

  test('InvocationType Event is 202 and runs after the answer; DryRun is 204 and runs nothing', async () => {
    const event = await invoke(LAMBDA_FIXTURE.publishId, { room: 'async', data: 'x' }, { InvocationType: 'Event' });
    expect(event.StatusCode).toBe(202);
    expect(event.text).toBe('');
    await emu.settled();
    expect(invokeLines()).toEqual([expect.stringMatching(new RegExp(`^INVOKE +${LAMBDA_FIXTURE.publishId} Event 202 [\\d.]+ms$`))]);
    log.length = 0;
    const dry = await invoke(LAMBDA_FIXTURE.failId, {}, { InvocationType: 'DryRun' });
    expect(dry.StatusCode).toBe(204);
    expect(invokeLines()).toEqual([`INVOKE     ${LAMBDA_FIXTURE.failId} DryRun 204`]);
  });

  test('a body that is not JSON is InvalidRequestContentException; an empty one invokes with {}', async () => {
    const host = `127.0.0.1:${emu.port}`;
    const bad = await call('POST', invokePath(LAMBDA_FIXTURE.publishId), { host }, '{nope');
    expect(bad.status).toBe(400);
    expect(bad.headers['x-amzn-errortype']).toBe('InvalidRequestContentException');
    expect(JSON.parse(bad.body)).toMatchObject({
      __type: 'InvalidRequestContentException',
      message: expect.stringContaining('Could not parse'),
    });
    const empty = await call('POST', invokePath(LAMBDA_FIXTURE.publishId), { host });
    expect(JSON.parse(empty.body)).toEqual({ error: { code: 'BAD_REQUEST', message: 'room and data must be strings' } });
  });

  test('a payload over 6 MB is RequestTooLargeException (413)', async () => {
    const big = JSON.stringify({ room: 'r', data: 'x'.repeat(INVOKE_LIMITS.syncPayloadBytes) });
    const res = await call('POST', invokePath(LAMBDA_FIXTURE.publishId), { host: `127.0.0.1:${emu.port}` }, big);
    expect(res.status).toBe(413);
    expect(res.headers['x-amzn-errortype']).toBe('RequestTooLargeException');
  });

  test('answers programs on this machine only: not a foreign Host, not a web page, not another method', async () => {
    const target = invokePath(LAMBDA_FIXTURE.publishId);
    const body = '{"room":"r","data":"d"}';
    const rebound = await call('POST', target, { host: `attacker.example:${emu.port}` }, body);
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({
      __type: 'AccessDeniedException',
      message: expect.stringContaining('does not name this machine'),
    });
    const page = await call(
      'POST',
      target,
      { host: `127.0.0.1:${emu.port}`, origin: 'https://evil.example', 'content-type': 'text/plain' },
      body,
    );
    expect(page.status).toBe(403);
    expect(JSON.parse(page.body)).toMatchObject({ message: expect.stringContaining('does not answer web pages') });
    const samePage = await call('POST', target, { host: `127.0.0.1:${emu.port}`, 'sec-fetch-site': 'same-origin' }, body);
    expect(samePage.status).toBe(403);
    const get = await call('GET', target, { host: `127.0.0.1:${emu.port}` });
    expect(get.status).toBe(405);
    // Nothing ran for any of them.
    expect(invokeLines().every((line) => /40[35] \(/.test(line))).toBe(true);
  });

  test('the published configuration says where the Lambda API is and which function publishes', async () => {
    const res = await call('GET', LOCAL_PATHS.config, { host: `127.0.0.1:${emu.port}` });
    expect(JSON.parse(res.body)).toMatchObject({
      lambdaEndpoint: `http://127.0.0.1:${emu.port}`,
      publishFunctionName: fixtureFunctionName(LAMBDA_FIXTURE.publishId),
    });
    expect(emu.publishFunctionName).toBe(fixtureFunctionName(LAMBDA_FIXTURE.publishId));
  });

  test('the start banner names the Lambda endpoint and the publish command', () => {
    const lines = banner(emu, {}).split('\n');
    expect(lines).toContain(`  Lambda        http://127.0.0.1:${emu.port} (Invoke API of the app's 5 functions; AWS_ENDPOINT_URL_LAMBDA)`);
    expect(lines).toContain(
      `  Publish       function ${fixtureFunctionName(LAMBDA_FIXTURE.publishId)}: npx switchboard-local publish --emulator http://127.0.0.1:${emu.port} --room lobby --data hello`,
    );
  });

  test.each(['env', 'host'])(
    'a function inside the emulator invokes another through the local API (via %s)',
    async (via) => {
      const out = await invoke(LAMBDA_FIXTURE.callerId, { via, functionName: fixtureFunctionName(LAMBDA_FIXTURE.publishId) });
      expect(out.FunctionError).toBeUndefined();
      expect(out.json).toMatchObject({
        endpointVariable: `http://127.0.0.1:${emu.port}`,
        answer: { room: 'from-a-function', delivered: 2, failed: 0 },
      });
      expect(invokeLines()).toEqual([
        expect.stringContaining(`${LAMBDA_FIXTURE.publishId} RequestResponse 200`),
        expect.stringContaining(`${LAMBDA_FIXTURE.callerId} RequestResponse 200`),
      ]);
    },
    20_000,
  );

  test('a function whose role has no grant is refused as Lambda refuses it, and the log names the grant', async () => {
    const publishArn = `arn:aws:lambda:${region}:${accountId}:function:${fixtureFunctionName(LAMBDA_FIXTURE.publishId)}`;
    const denied =
      `User: arn:aws:sts::${accountId}:assumed-role/UngrantedRole/${fixtureFunctionName(LAMBDA_FIXTURE.ungrantedCallerId)} ` +
      `is not authorized to perform: lambda:InvokeFunction on resource: ${publishArn} because no identity-based policy allows the lambda:InvokeFunction action`;

    const out = await invoke(LAMBDA_FIXTURE.ungrantedCallerId, { via: 'env', functionName: fixtureFunctionName(LAMBDA_FIXTURE.publishId) });

    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json).toMatchObject({ errorType: 'AccessDeniedException', errorMessage: denied });
    expect(log).toContain(
      `IAM        denied ${LAMBDA_FIXTURE.ungrantedCallerId} lambda:InvokeFunction on ${publishArn}: no identity-based policy allows it; to allow it: targetFunction.grantInvoke(fn) (or run with --iam off to turn IAM off)`,
    );
    expect(invokeLines()).toContainEqual(expect.stringContaining(`${LAMBDA_FIXTURE.publishId} 403 (AccessDeniedException)`));

    // The same refusal, as the SDK reads it off the wire: a request signed with that function's key.
    const asFunction = new LambdaClient({
      endpoint: emu.lambdaEndpoint,
      region,
      credentials: { accessKeyId: functionAccessKeyId(LAMBDA_FIXTURE.stackName, LAMBDA_FIXTURE.ungrantedCallerId), secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await expect(asFunction.send(new InvokeCommand({ FunctionName: publishArn, Payload: '{}' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: denied,
      $metadata: { httpStatusCode: 403 },
    });
    asFunction.destroy();
  });
});
