import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { main, parsePublishArgs, PUBLISH_USAGE } from '../../publish/cli';
import { UsageError } from '../../cli-kit/flags';

const lambda = mockClient(LambdaClient);
const cloudformation = mockClient(CloudFormationClient);

function answer(payload: unknown) {
  return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(payload)) as never };
}

/** Runs the command with these arguments; collects what it prints. */
async function run(argv: string[], options: { env?: Record<string, string>; config?: () => Promise<unknown> } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const fetched: string[] = [];
  const code = await main(argv, {
    env: options.env ?? {},
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    fetchConfig: async (url) => {
      fetched.push(url);
      return (options.config ?? (async () => ({})))();
    },
  });
  return { code, out: out.join(''), err: err.join(''), fetched };
}

beforeEach(() => {
  lambda.reset();
  cloudformation.reset();
});

describe('usage', () => {
  test.each([
    [['--data', 'd', '--function', 'f'], '--room ROOM is required'],
    [['--room', 'r', '--function', 'f'], '--data TEXT is required'],
    [['--room', 'r', '--data', 'd'], 'say where to publish: --emulator URL, --stack NAME or --function NAME'],
    [['--room', 'r', '--data', 'd', '--stack', 's', '--function', 'f'], 'give one target, not --stack and --function'],
    [['--room', 'r', '--data', 'd', '--emulator', '127.0.0.1:3001'], "--emulator takes the emulator's http URL"],
    [['--room', 'r', '--data', 'd', '--emulator', 'ws://127.0.0.1:3001/dev'], "--emulator takes the emulator's http URL"],
    [['--room', 'r', '--data', 'd', '--emulator', 'http://127.0.0.1:3001', '--region', 'eu-west-1'], '--region applies to --stack'],
    [['--room', 'r', '--data', '--oops', '--function', 'f'], '--data needs a value'],
    [['--room', 'r', '--data', 'd', '--topic', 't'], 'unknown flag --topic'],
  ])('%j: %s', async (argv, message) => {
    expect(() => parsePublishArgs(argv, {})).toThrow(UsageError);
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  test('--help prints the usage', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, out: PUBLISH_USAGE });
  });

  test('data that starts with -- goes as --data=...', () => {
    expect(parsePublishArgs(['--room', 'r', '--data=--x', '--function', 'f'], {})).toMatchObject({ request: { data: '--x' } });
  });
});

test('--emulator reads the emulator configuration and invokes the function it names there', async () => {
  lambda.on(InvokeCommand).resolves(answer({ room: 'lobby', seq: 4, delivered: 2, failed: 0 }));
  const result = await run(['--emulator', 'http://127.0.0.1:3001/', '--room', 'lobby', '--data', 'hello', '--from', 'billing'], {
    config: async () => ({
      websocketUrl: 'ws://127.0.0.1:3001/dev',
      lambdaEndpoint: 'http://127.0.0.1:3001',
      publishFunctionName: 'Sw-Publish',
    }),
  });
  expect(result).toMatchObject({ code: 0, out: 'Published to lobby as seq 4: delivered 2, failed 0.\n', err: '' });
  expect(result.fetched).toEqual(['http://127.0.0.1:3001/.switchboard/config.json']);
  expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'Sw-Publish' });
  const payload = lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array;
  expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ room: 'lobby', data: 'hello', from: 'billing' });
});

test('--emulator says so when the app has no publish function, or the emulator is not there', async () => {
  const none = await run(['--emulator', 'http://127.0.0.1:3001', '--room', 'r', '--data', 'd'], {
    config: async () => ({ websocketUrl: 'ws://127.0.0.1:3001/dev', lambdaEndpoint: 'http://127.0.0.1:3001' }),
  });
  expect(none.code).toBe(1);
  expect(none.err).toContain('serves no publish function');
  const down = await run(['--emulator', 'http://127.0.0.1:3001', '--room', 'r', '--data', 'd'], {
    config: () => Promise.reject(new Error('fetch failed')),
  });
  expect(down.code).toBe(1);
  expect(down.err).toContain(
    'cannot read http://127.0.0.1:3001/.switchboard/config.json: fetch failed. Is switchboard-local running there',
  );
  expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
});

test("--stack invokes the function in the stack's PublishFunctionName output", async () => {
  cloudformation.on(DescribeStacksCommand, { StackName: 'Switchboard' }).resolves({
    Stacks: [
      {
        StackName: 'Switchboard',
        CreationTime: new Date(0),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: 'WebSocketUrl', OutputValue: 'wss://x' },
          { OutputKey: 'PublishFunctionName', OutputValue: 'Switchboard-PublishHandler-abc' },
        ],
      },
    ],
  });
  lambda.on(InvokeCommand).resolves(answer({ room: 'user.alice', seq: 1, delivered: 3, failed: 0 }));
  const result = await run(['--stack', 'Switchboard', '--region', 'eu-west-1', '--room', 'user.alice', '--data', 'your order shipped']);
  expect(result).toMatchObject({ code: 0, out: 'Published to user.alice as seq 1: delivered 3, failed 0.\n' });
  expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'Switchboard-PublishHandler-abc' });
});

test('--stack without the output names the outputs it has', async () => {
  cloudformation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'Old',
        CreationTime: new Date(0),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [{ OutputKey: 'WebSocketUrl', OutputValue: 'wss://x' }],
      },
    ],
  });
  const result = await run(['--stack', 'Old', '--room', 'r', '--data', 'd']);
  expect(result.code).toBe(1);
  expect(result.err).toContain('stack Old has no PublishFunctionName output (its outputs: WebSocketUrl)');
  expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
});

test('--function, or SWITCHBOARD_PUBLISH_FUNCTION, names the function directly', async () => {
  lambda.on(InvokeCommand).resolves(answer({ room: 'r', seq: 9, delivered: 0, failed: 0 }));
  const arn = 'arn:aws:lambda:eu-west-1:111122223333:function:Publish';
  expect((await run(['--function', arn, '--room', 'r', '--data', 'd'])).code).toBe(0);
  expect((await run(['--room', 'r', '--data', 'd'], { env: { SWITCHBOARD_PUBLISH_FUNCTION: 'from-env' } })).code).toBe(0);
  expect(lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input.FunctionName)).toEqual([arn, 'from-env']);
});

test("a refusal prints the function's code and message and exits 1", async () => {
  lambda.on(InvokeCommand).resolves(answer({ error: { code: 'BAD_REQUEST', message: '"room" must be 1-64 characters' } }));
  const result = await run(['--function', 'f', '--room', 'no spaces', '--data', 'd']);
  expect(result).toMatchObject({ code: 1, out: '' });
  expect(result.err).toBe('publish: BAD_REQUEST: The publish function refused the message: "room" must be 1-64 characters\n');
});
