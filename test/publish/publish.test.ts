import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { publish, PublishError, regionOfArn } from '../../publish/publish';

const lambda = mockClient(LambdaClient);
const client = new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const FUNCTION = 'Switchboard-PublishHandler';

/** An Invoke answer with this JSON payload. */
function answer(payload: unknown, functionError?: string) {
  return {
    StatusCode: 200,
    FunctionError: functionError,
    Payload: new TextEncoder().encode(JSON.stringify(payload)) as never,
  };
}

beforeEach(() => lambda.reset());

test('invokes the function with { room, data, from } and resolves with its result', async () => {
  lambda.on(InvokeCommand).resolves(answer({ room: 'lobby', seq: 7, delivered: 3, failed: 1 }));
  await expect(publish({ room: 'lobby', data: 'hello', from: 'orders' }, { client, functionName: FUNCTION })).resolves.toEqual({
    room: 'lobby',
    seq: 7,
    delivered: 3,
    failed: 1,
  });
  expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
  const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
  expect(input.FunctionName).toBe(FUNCTION);
  // Synchronous: the caller learns seq and the counts.
  expect(input.InvocationType).toBeUndefined();
  expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({ room: 'lobby', data: 'hello', from: 'orders' });
});

test('leaves from out when not given, so the function sends "server"', async () => {
  lambda.on(InvokeCommand).resolves(answer({ room: 'r', seq: 1, delivered: 0, failed: 0 }));
  await publish({ room: 'r', data: 'd' }, { client, functionName: FUNCTION });
  const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
  expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({ room: 'r', data: 'd' });
});

test('reads the function name from SWITCHBOARD_PUBLISH_FUNCTION when none is given', async () => {
  lambda.on(InvokeCommand).resolves(answer({ room: 'r', seq: 1, delivered: 0, failed: 0 }));
  await publish({ room: 'r', data: 'd' }, { client, env: { SWITCHBOARD_PUBLISH_FUNCTION: 'from-env' } });
  expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'from-env' });
});

test('without a function name it says how to give one, and calls nothing', async () => {
  const attempt = publish({ room: 'r', data: 'd' }, { client, env: {} });
  await expect(attempt).rejects.toThrow(PublishError);
  await expect(attempt).rejects.toMatchObject({ code: 'NO_FUNCTION', message: expect.stringContaining('SWITCHBOARD_PUBLISH_FUNCTION') });
  expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
});

test("a refusal ({ error }) rejects with the function's code and message", async () => {
  lambda.on(InvokeCommand).resolves(answer({ error: { code: 'BAD_REQUEST', message: '"room" must be 1-64 characters' } }));
  const attempt = publish({ room: 'bad room', data: 'd' }, { client, functionName: FUNCTION });
  await expect(attempt).rejects.toThrow(PublishError);
  await expect(attempt).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('"room" must be 1-64 characters') });
});

test('a function error rejects with FUNCTION_ERROR, its type and message', async () => {
  lambda
    .on(InvokeCommand)
    .resolves(answer({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 10.00 seconds' }, 'Unhandled'));
  const attempt = publish({ room: 'r', data: 'd' }, { client, functionName: FUNCTION });
  await expect(attempt).rejects.toThrow(PublishError);
  await expect(attempt).rejects.toMatchObject({
    code: 'FUNCTION_ERROR',
    errorType: 'Sandbox.Timedout',
    message: `The publish function ${FUNCTION} failed: Sandbox.Timedout: Task timed out after 10.00 seconds`,
  });
});

test('an answer that is not a publish result rejects with BAD_RESPONSE', async () => {
  lambda.on(InvokeCommand).resolves(answer({ statusCode: 200, body: 'echo' }));
  await expect(publish({ room: 'r', data: 'd' }, { client, functionName: FUNCTION })).rejects.toMatchObject({
    name: 'PublishError',
    code: 'BAD_RESPONSE',
    message: expect.stringContaining('is it the publish function?'),
  });
});

test("Lambda's own errors (no such function, no permission) reach the caller as the SDK throws them", async () => {
  lambda.on(InvokeCommand).rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
  await expect(publish({ room: 'r', data: 'd' }, { client, functionName: FUNCTION })).rejects.toThrow(ResourceNotFoundException);
});

test('regionOfArn reads the region of a function ARN only', () => {
  expect(regionOfArn('arn:aws:lambda:eu-west-1:111122223333:function:f')).toBe('eu-west-1');
  expect(regionOfArn('f')).toBeUndefined();
});
