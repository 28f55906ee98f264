/**
 * An app whose functions lack the grant a call needs, run unchanged through the real CLI with real
 * ws clients: the call fails as on AWS (ForbiddenException from @connections, AccessDeniedException
 * from DynamoDB, with AWS's message), and the emulator's log names the CDK grant that would allow
 * it; the same app with the grants passes. The error classes are checked with the real SDK clients.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiGatewayManagementApiClient, ForbiddenException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startEmulator } from '../../local/emulator';
import { functionAccessKeyId } from '../../local/iam/principals';
import { connect } from './helpers';
import { GALLERY_STAGE, GALLERY_TABLE } from './fixtures/gallery';
import { writeMissingGrantApp } from './fixtures/missing-grant';

const BIN = path.resolve(__dirname, '../../local/bin/switchboard-local.js');
const ACCOUNT = '123456789012';

let tmp: string;
let child: ChildProcessWithoutNullStreams | undefined;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-missing-grant-'));
});
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  child = undefined;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The CLI's output so far, and a way to wait for a line of it. */
interface Running {
  readonly url: string;
  readonly apiId: string;
  output(): string;
  line(pattern: RegExp): Promise<string>;
}

async function startCli(dir: string): Promise<Running> {
  const started = spawn(process.execPath, [BIN, '--assembly', dir, '--port', '0'], { env: { ...process.env } });
  child = started;
  let stdout = '';
  const waiters: Array<() => void> = [];
  started.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of waiters.splice(0)) waiter();
  });
  started.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const line = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = stdout.split('\n').find((l) => pattern.test(l));
        if (found !== undefined) return resolve(found);
        if (started.exitCode !== null) return reject(new Error(`exited before printing ${pattern}: ${stdout}`));
        waiters.push(check);
      };
      check();
    });
  const banner = await line(/WebSocket\s+ws:\/\//);
  const api = await line(/^Switchboard local: .* API \S+ \((\w+)\)/);
  return { url: /(ws:\/\/\S+)/.exec(banner)![1], apiId: /\((\w+)\)/.exec(api)![1], output: () => stdout, line };
}

describe('a function without the grant its call needs', () => {
  test('@connections refuses with ForbiddenException, DynamoDB with AccessDeniedException, and the log names the grant', async () => {
    const running = await startCli(writeMissingGrantApp(path.join(tmp, 'missing'), false));
    const client = await connect(running.url);

    client.ws.send(JSON.stringify({ action: 'echo', data: 'hi' }));
    expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });
    const forbidden = await running.line(/^\s+ForbiddenException: /);
    expect(forbidden).toMatch(
      new RegExp(
        `ForbiddenException: User: arn:aws:sts::${ACCOUNT}:assumed-role/Fn0Role/Gallery-Fn0 is not authorized to perform: execute-api:ManageConnections ` +
          `on resource: arn:aws:execute-api:us-east-1:${ACCOUNT}:${running.apiId}/${GALLERY_STAGE}/POST/@connections/\\S+ because no identity-based policy allows the execute-api:ManageConnections action$`,
      ),
    );
    expect(await running.line(/^IAM +denied Fn0 execute-api:ManageConnections/)).toContain(
      'to allow it: stage.grantManagementApiAccess(fn) (or api.grantManageConnections(fn))',
    );

    client.ws.send(JSON.stringify({ action: 'save', data: 'hi' }));
    expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });
    expect(await running.line(/^\s+AccessDeniedException: /)).toContain(
      `AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/Fn1Role/Gallery-Fn1 is not authorized to perform: dynamodb:PutItem ` +
        `on resource: arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${GALLERY_TABLE} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    expect(await running.line(/^IAM +denied Fn1 dynamodb:PutItem/)).toContain('to allow it: table.grantWriteData(fn)');
    client.ws.close();
  });

  test('with the grants, the same app passes', async () => {
    const running = await startCli(writeMissingGrantApp(path.join(tmp, 'granted'), true));
    const client = await connect(running.url);

    client.ws.send(JSON.stringify({ action: 'echo', data: 'hi' }));
    expect(await client.next()).toBe('echo:hi');
    client.ws.send(JSON.stringify({ action: 'save', data: 'hi' }));
    expect(await client.next()).toBe('saved');
    expect(running.output()).not.toMatch(/IAM +denied/);
    client.ws.close();
  });

  test('the SDK clients throw their own exception classes, with the status codes AWS answers', async () => {
    const emu = await startEmulator({
      assemblyDir: writeMissingGrantApp(path.join(tmp, 'sdk'), false),
      port: 0,
      log: () => undefined,
      quiet: true,
    });
    // Signed with the ungranted functions' keys, as their own SDK clients sign (signatures are not checked).
    const as = (logicalId: string) => ({ accessKeyId: functionAccessKeyId('Gallery', logicalId), secretAccessKey: 'x' });
    const management = new ApiGatewayManagementApiClient({
      endpoint: emu.managementEndpoint,
      region: 'us-east-1',
      credentials: as('Fn0'),
      maxAttempts: 1,
    });
    const db = new DynamoDBClient({ endpoint: emu.dynamodbEndpoint, region: 'us-east-1', credentials: as('Fn1'), maxAttempts: 1 });
    try {
      const post = management.send(new PostToConnectionCommand({ ConnectionId: 'abc=', Data: 'x' }));
      await expect(post).rejects.toBeInstanceOf(ForbiddenException);
      await expect(post).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
        message: expect.stringContaining('execute-api:ManageConnections'),
      });
      await expect(db.send(new PutItemCommand({ TableName: GALLERY_TABLE, Item: { connectionId: { S: 'x' } } }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
        message: expect.stringContaining('dynamodb:PutItem'),
      });
    } finally {
      management.destroy();
      db.destroy();
      await emu.stop();
    }
  });
});
