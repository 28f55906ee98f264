/**
 * The local SQS on the wire: @aws-sdk/client-sqs (the JSON protocol) against a real emulator, the
 * query protocol's form parameters and XML (what aws-sdk v2 before 2.1491 sends), errors as each
 * SDK reads them, the Host and browser rules, and IAM's answers wired into both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type SQSServiceException,
} from '@aws-sdk/client-sqs';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { startEmulator, type Emulator } from '../../../../local/emulator';
import { HttpListener } from '../../../../local/http/listener';
import type { InvokeResult } from '../../../../local/runtime/runtime';
import { allowEverything, type IamAuthority } from '../../../../local/iam/authority';
import { PrincipalDirectory } from '../../../../local/iam/principals';
import { md5Hex, md5OfAttributes } from '../../../../local/services/sqs/message';
import { SqsService } from '../../../../local/services/sqs/service';
import { systemClock } from '../../../../protocol/clock';
import { LOCAL_CREDENTIALS } from '../../../../protocol/local-endpoints';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

let tmp: string;
let dir: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-sqs-service-'));
  dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'app')), (template) => {
    template.Resources.Jobs = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs', VisibilityTimeout: 30 } };
    template.Resources.Counted = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'counted' } };
    template.Resources.Other = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'other' } };
    template.Resources.Rooms = {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: 'rooms.fifo', FifoQueue: true, ContentBasedDeduplication: true },
    };
  });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A raw HTTP request to the service: status, headers and body text. */
function raw(
  endpoint: string,
  options: { path?: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const url = new URL(options.path ?? '/', endpoint);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A query protocol request, form-encoded, as aws-sdk v2 sends them. */
function query(endpoint: string, parameters: Record<string, string>, requestPath = '/') {
  return raw(endpoint, {
    path: requestPath,
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      // Signed as the developer (the emulator reads who signed, not the signature).
      authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20261207/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Version: '2012-11-05', ...parameters }).toString(),
  });
}

/** The text of every `<tag>` in an XML answer. */
function xmlValues(xml: string, tag: string): string[] {
  const decode = (s: string) =>
    s
      .replace(/&#xD;/g, '\r')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => decode(m[1]));
}

describe('with @aws-sdk/client-sqs', () => {
  let emu: Emulator;
  let sqs: SQSClient;
  let jobs: string;
  let rooms: string;
  beforeAll(async () => {
    emu = await startEmulator({ assemblyDir: dir, port: 0, log: () => undefined, functionLog: () => undefined });
    sqs = new SQSClient({ endpoint: emu.serviceEndpoints.sqs, region: emu.app.region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    jobs = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs' }))).QueueUrl!;
    rooms = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'rooms.fifo' }))).QueueUrl!;
  });
  afterAll(async () => {
    sqs.destroy();
    await emu.stop();
  });
  afterEach(async () => {
    // Each test starts from empty queues (PurgeQueue would allow one purge a minute).
    for (const url of [jobs, rooms]) {
      for (;;) {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
        if (!Messages) break;
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: Messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    }
  });

  test("queue URLs are AWS's, whatever endpoint the client has; ListQueues filters by prefix and pages", async () => {
    expect(jobs).toBe(`https://sqs.${emu.app.region}.amazonaws.com/123456789012/jobs`);
    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls).toHaveLength(4);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'room' }))).QueueUrls).toEqual([rooms]);
    const first = await sqs.send(new ListQueuesCommand({ MaxResults: 3 }));
    const second = await sqs.send(new ListQueuesCommand({ MaxResults: 3, NextToken: first.NextToken }));
    expect([...first.QueueUrls!, ...second.QueueUrls!]).toHaveLength(4);
    expect(second.NextToken).toBeUndefined();
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  test('a message with attributes comes back with its body, attributes, system attributes and digests the SDK checks', async () => {
    const MessageAttributes = {
      room: { DataType: 'String', StringValue: 'lobby' },
      shard: { DataType: 'Number', StringValue: '7' },
      'bin.data': { DataType: 'Binary.gz', BinaryValue: Buffer.from([0, 1, 2, 250]) },
    };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: 'héllo & <bye>', MessageAttributes }));
    expect(sent.MD5OfMessageBody).toBe(md5Hex('héllo & <bye>'));
    expect(sent.MD5OfMessageAttributes).toBe(
      md5OfAttributes({
        room: { dataType: 'String', stringValue: 'lobby' },
        shard: { dataType: 'Number', stringValue: '7' },
        'bin.data': { dataType: 'Binary.gz', binaryValue: Buffer.from([0, 1, 2, 250]) },
      }),
    );

    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: jobs, MessageAttributeNames: ['room', 'bin.*'], MessageSystemAttributeNames: ['All'] }),
    );
    const [m] = Messages!;
    expect(m).toMatchObject({ MessageId: sent.MessageId, Body: 'héllo & <bye>', MD5OfBody: sent.MD5OfMessageBody });
    expect(Object.keys(m.MessageAttributes!).sort()).toEqual(['bin.data', 'room']);
    expect(Buffer.from(m.MessageAttributes!['bin.data'].BinaryValue!)).toEqual(Buffer.from([0, 1, 2, 250]));
    // The digest of the attributes returned.
    expect(m.MD5OfMessageAttributes).toBe(
      md5OfAttributes({
        room: { dataType: 'String', stringValue: 'lobby' },
        'bin.data': { dataType: 'Binary.gz', binaryValue: Buffer.from([0, 1, 2, 250]) },
      }),
    );
    expect(m.Attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      SenderId: '123456789012',
      SentTimestamp: expect.stringMatching(/^\d{13}$/),
    });
  });

  test("the digest of message attributes is SQS's: other implementations agree on it", () => {
    expect(
      md5OfAttributes({ Hello: { dataType: 'String', stringValue: 'There' }, General: { dataType: 'String', stringValue: 'Kenobi' } }),
    ).toBe('fca026605781cb4126a1e9044df24232');
  });

  test('a batch reports each entry: refused ones in Failed with their code, the rest sent; whole-batch mistakes are errors', async () => {
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: jobs,
        Entries: [
          { Id: 'good', MessageBody: 'one' },
          { Id: 'bad', MessageBody: 'bell \u0007' },
          { Id: 'attr', MessageBody: 'x', MessageAttributes: { 'AWS.nope': { DataType: 'String', StringValue: 'v' } } },
        ],
      }),
    );
    expect(result.Successful!.map((e) => e.Id)).toEqual(['good']);
    expect(result.Failed).toEqual([
      expect.objectContaining({
        Id: 'bad',
        SenderFault: true,
        Code: 'InvalidMessageContents',
        Message: expect.stringContaining("'#x7'") as string,
      }),
      expect.objectContaining({ Id: 'attr', SenderFault: true, Code: 'InvalidParameterValue' }),
    ]);

    const errorName = (entries: Array<{ Id: string; MessageBody: string }>) =>
      sqs.send(new SendMessageBatchCommand({ QueueUrl: jobs, Entries: entries })).then(
        () => 'sent',
        (err: SQSServiceException) => err.name,
      );
    expect(await errorName([])).toBe('EmptyBatchRequest');
    expect(await errorName(Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })))).toBe('TooManyEntriesInBatchRequest');
    expect(
      await errorName([
        { Id: 'same', MessageBody: 'a' },
        { Id: 'same', MessageBody: 'b' },
      ]),
    ).toBe('BatchEntryIdsNotDistinct');
    expect(await errorName([{ Id: 'not ok', MessageBody: 'a' }])).toBe('InvalidBatchEntryId');
    expect(
      await errorName([
        { Id: 'a', MessageBody: 'x'.repeat(600_000) },
        { Id: 'b', MessageBody: 'x'.repeat(600_000) },
      ]),
    ).toBe('BatchRequestTooLong');
  });

  test('errors come as the SDK names them, with their HTTP status', async () => {
    const failure = (call: () => Promise<unknown>) =>
      call().then(
        () => undefined,
        (err: SQSServiceException) => ({ name: err.name, status: err.$metadata.httpStatusCode, message: err.message }),
      );
    expect(await failure(() => sqs.send(new SendMessageCommand({ QueueUrl: jobs.replace('jobs', 'nope'), MessageBody: 'x' })))).toEqual({
      name: 'QueueDoesNotExist',
      status: 400,
      message: 'The specified queue does not exist.',
    });
    expect(await failure(() => sqs.send(new DeleteMessageCommand({ QueueUrl: jobs, ReceiptHandle: 'junk' })))).toMatchObject({
      name: 'ReceiptHandleIsInvalid',
      status: 404,
    });
    expect(await failure(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: jobs, MaxNumberOfMessages: 11 })))).toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    });
    expect(await failure(() => sqs.send(new SendMessageCommand({ QueueUrl: rooms, MessageBody: 'x' })))).toMatchObject({
      name: 'MissingParameter',
    });
    expect(
      await failure(() => sqs.send(new GetQueueAttributesCommand({ QueueUrl: jobs, AttributeNames: ['Nope' as 'All'] }))),
    ).toMatchObject({
      name: 'InvalidAttributeName',
    });
  });

  test('GetQueueAttributes counts visible, in-flight and delayed messages and gives the queue its settings', async () => {
    const counted = jobs.replace('jobs', 'counted');
    await sqs.send(new SendMessageCommand({ QueueUrl: counted, MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: counted, MessageBody: 'b' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: counted, MessageBody: 'later', DelaySeconds: 900 }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: counted }));

    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: counted, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:${emu.app.region}:123456789012:counted`,
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      VisibilityTimeout: '30',
      MaximumMessageSize: '1048576',
    });
    const fifo = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: rooms, AttributeNames: ['FifoQueue', 'ContentBasedDeduplication'] }),
    );
    expect(fifo.Attributes).toEqual({ FifoQueue: 'true', ContentBasedDeduplication: 'true' });

    await sqs.send(new PurgeQueueCommand({ QueueUrl: counted }));
    const purged = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: counted,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    expect(purged.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    });
  });

  test('FIFO: order per group, sequence numbers, and ChangeMessageVisibilityBatch and DeleteMessageBatch per entry', async () => {
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: rooms,
        Entries: ['r1-a', 'r2-a', 'r1-b'].map((body, i) => ({ Id: `e${i}`, MessageBody: body, MessageGroupId: body.slice(0, 2) })),
      }),
    );
    expect(sent.Successful!.map((e) => e.SequenceNumber)).toEqual([...sent.Successful!.map((e) => e.SequenceNumber)].sort());

    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: rooms, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId'] }),
    );
    expect(Messages!.map((m) => [m.Body, m.Attributes!.MessageGroupId])).toEqual([
      ['r1-a', 'r1'],
      ['r1-b', 'r1'],
      ['r2-a', 'r2'],
    ]);
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: rooms,
        Entries: [
          { Id: 'ok', ReceiptHandle: Messages![0].ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'junk', ReceiptHandle: 'junk', VisibilityTimeout: 0 },
        ],
      }),
    );
    expect(changed.Successful).toEqual([{ Id: 'ok' }]);
    expect(changed.Failed).toEqual([expect.objectContaining({ Id: 'junk', Code: 'ReceiptHandleIsInvalid' })]);
    // r1-b is still in flight, so group r1 stays blocked although r1-a is visible again.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: rooms, MaxNumberOfMessages: 10 }))).Messages).toBeUndefined();
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: rooms,
        Entries: Messages!.slice(1).map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    expect(deleted.Successful).toHaveLength(2);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: rooms }))).Messages!.map((m) => m.Body)).toEqual(['r1-a']);
  });

  test('a long poll is answered as soon as a message comes', async () => {
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: jobs, WaitTimeSeconds: 20 }));
    await sqs.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: 'awaited' }));
    // Within the test's timeout, far under the 20 s wait.
    expect((await polling).Messages!.map((m) => m.Body)).toEqual(['awaited']);
  });

  test('the query protocol: form parameters in, XML out, the queue URL as a parameter or as the path', async () => {
    const endpoint = emu.serviceEndpoints.sqs;
    const body = 'line one\r\nline <two> & "three"';
    const sent = await query(endpoint, {
      Action: 'SendMessage',
      QueueUrl: jobs,
      MessageBody: body,
      'MessageAttribute.1.Name': 'room',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'lobby',
    });
    expect(sent.status).toBe(200);
    expect(sent.text).toMatch(
      /^<\?xml version="1.0"\?><SendMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><SendMessageResult>/,
    );
    expect(xmlValues(sent.text, 'MD5OfMessageBody')).toEqual([md5Hex(body)]);
    expect(xmlValues(sent.text, 'MD5OfMessageAttributes')).toEqual([
      md5OfAttributes({ room: { dataType: 'String', stringValue: 'lobby' } }),
    ]);

    const batch = await query(
      endpoint,
      {
        Action: 'SendMessageBatch',
        'SendMessageBatchRequestEntry.1.Id': 'a',
        'SendMessageBatchRequestEntry.1.MessageBody': 'second',
        'SendMessageBatchRequestEntry.2.Id': 'b',
        'SendMessageBatchRequestEntry.2.MessageBody': '',
      },
      new URL(jobs).pathname,
    );
    expect(xmlValues(batch.text, 'SendMessageBatchResultEntry').map((e) => xmlValues(e, 'Id')[0])).toEqual(['a']);
    expect(xmlValues(batch.text, 'BatchResultErrorEntry').map((e) => xmlValues(e, 'Code')[0])).toEqual(['MissingParameter']);

    const received = await query(endpoint, {
      Action: 'ReceiveMessage',
      QueueUrl: jobs,
      MaxNumberOfMessages: '10',
      'AttributeName.1': 'ApproximateReceiveCount',
      'MessageAttributeName.1': 'All',
    });
    const messages = xmlValues(received.text, 'Message');
    expect(messages.map((m) => xmlValues(m, 'Body')[0])).toEqual([body, 'second']);
    expect(xmlValues(messages[0], 'MessageAttribute')).toEqual([
      '<Name>room</Name><Value><StringValue>lobby</StringValue><DataType>String</DataType></Value>',
    ]);
    expect(xmlValues(messages[0], 'Attribute')).toEqual(['<Name>ApproximateReceiveCount</Name><Value>1</Value>']);

    const missing = await query(endpoint, { Action: 'DeleteMessage', QueueUrl: jobs.replace('jobs', 'nope'), ReceiptHandle: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.headers['content-type']).toBe('text/xml');
    expect(xmlValues(missing.text, 'Code')).toEqual(['AWS.SimpleQueueService.NonExistentQueue']);
    expect(xmlValues(missing.text, 'Type')).toEqual(['Sender']);
  });

  test('only programs on this machine: another Host, or a web page, is refused', async () => {
    const target = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' };
    const rebound = await raw(emu.serviceEndpoints.sqs, { headers: { ...target, host: 'attacker.example:80' }, body: '{}' });
    expect(rebound.status).toBe(403);
    expect(rebound.headers['x-amzn-query-error']).toBe('AccessDenied;Sender');
    const page = await query(emu.serviceEndpoints.sqs, { Action: 'ListQueues' }).then(() =>
      raw(emu.serviceEndpoints.sqs, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://attacker.example' },
        body: 'Action=ListQueues',
      }),
    );
    expect(page.status).toBe(403);
    expect(xmlValues(page.text, 'Code')).toEqual(['AccessDenied']);
  });
});

describe('with IAM enforcing', () => {
  let listener: HttpListener;
  let service: SqsService;
  const logs: string[] = [];
  beforeAll(async () => {
    const app = loadWebSocketApp(dir);
    const principals = new PrincipalDirectory(app, app.functions.values());
    // Allows the developer everything and a function nothing, in IAM's words.
    const iam: IamAuthority = {
      enforcing: true,
      principalOf: (req) => principals.principalOf(req),
      allowsServiceInvoke: () => ({ allowed: true }),
      authorize: (principal, action, resource) =>
        principal.kind !== 'function'
          ? { allowed: true }
          : {
              allowed: false,
              denial: 'implicit',
              message: `User: ${principal.sessionArn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
            },
    };
    listener = await HttpListener.bind('127.0.0.1', 0);
    service = new SqsService({
      app,
      address: listener.address,
      clock: systemClock,
      log: (line) => logs.push(line),
      iam,
      invoke: () => Promise.reject(new Error('no invocations here')),
    });
    listener.serve({ handleRequest: (req, res) => service.handleRequest(req, res), handleUpgrade: (_req, socket) => socket.destroy() });
  });
  afterAll(async () => {
    await service.stop();
    await listener.close();
  });

  const client = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    new SQSClient({ endpoint: `http://${listener.address.hostPort}`, region: 'us-east-1', credentials, maxAttempts: 1 });

  test("a function's call its role does not allow is AccessDenied (403), with SQS's lower-case action", async () => {
    const app = loadWebSocketApp(dir);
    const credentials = new PrincipalDirectory(app, app.functions.values()).credentialsOf('EchoFn')!;
    const err = await client(credentials)
      .send(new SendMessageCommand({ QueueUrl: app.queues[0].queueUrl, MessageBody: 'x' }))
      .catch((e: SQSServiceException) => e);
    expect(err).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((err as Error).message).toBe(
      `User: arn:aws:sts::123456789012:assumed-role/Hand-EchoFn-role/Hand-EchoFn is not authorized to perform: sqs:sendmessage on resource: ${app.queues[0].arn} because no identity-based policy allows the sqs:sendmessage action`,
    );
  });

  test('the developer may; an unsigned request or an unknown key may not', async () => {
    await expect(client(LOCAL_CREDENTIALS).send(new ListQueuesCommand({}))).resolves.toMatchObject({
      QueueUrls: expect.any(Array) as unknown,
    });
    const unknown = await client({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' })
      .send(new ListQueuesCommand({}))
      .catch((e: SQSServiceException) => e);
    expect(unknown).toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    const unsigned = await raw(`http://${listener.address.hostPort}`, {
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
      body: '{}',
    });
    expect([unsigned.status, unsigned.headers['x-amzn-query-error']]).toEqual([403, 'MissingAuthenticationToken;Sender']);
  });
});

describe("Lambda's pollers, as the service starts them", () => {
  let mapped: string;
  beforeAll(() => {
    mapped = editHandTemplate(writeHandAssembly(path.join(tmp, 'mapped')), (template) => {
      template.Resources.Jobs = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } };
      template.Resources.Mapping = {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { EventSourceArn: { 'Fn::GetAtt': ['Jobs', 'Arn'] }, FunctionName: { Ref: 'EchoFn' } },
      };
    });
  });

  /** The service on a port of its own, with `iam`, invoking through `invoke`. */
  async function serve(iam: IamAuthority, invoke: (id: string, event: unknown) => Promise<InvokeResult>, logs: string[]) {
    const app = loadWebSocketApp(mapped);
    const listener = await HttpListener.bind('127.0.0.1', 0);
    const service = new SqsService({ app, address: listener.address, clock: systemClock, log: (line) => logs.push(line), iam, invoke });
    listener.serve({ handleRequest: (req, res) => service.handleRequest(req, res), handleUpgrade: (_req, socket) => socket.destroy() });
    const sqs = new SQSClient({
      endpoint: `http://${listener.address.hostPort}`,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    return {
      app,
      service,
      sqs,
      close: async () => {
        sqs.destroy();
        await service.stop();
        await listener.close();
      },
    };
  }

  test('a mapping polls into its function; settled() resolves once the queue is drained and the batch is done', async () => {
    const app = loadWebSocketApp(mapped);
    const events: unknown[] = [];
    let finish!: () => void;
    const invoked = new Promise<void>((resolve) => (finish = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = await serve(
      allowEverything(new PrincipalDirectory(app, app.functions.values())),
      async (_id, event) => {
        events.push(event);
        finish();
        await held;
        return { ok: true, requestId: 'r', durationMs: 1, result: null };
      },
      [],
    );
    await running.sqs.send(new SendMessageCommand({ QueueUrl: app.queues[0].queueUrl, MessageBody: 'work' }));
    await invoked;
    let settled = false;
    const settling = running.service.settled().then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    await settling;
    expect(events).toEqual([{ Records: [expect.objectContaining({ body: 'work', eventSource: 'aws:sqs' })] }]);
    const { Attributes } = await running.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: app.queues[0].queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Attributes).toEqual({ ApproximateNumberOfMessagesNotVisible: '0' });
    await running.close();
  });

  test("a mapping whose function's role may not receive from the queue does not poll, and says why", async () => {
    const app = loadWebSocketApp(mapped);
    const principals = new PrincipalDirectory(app, app.functions.values());
    const logs: string[] = [];
    const denyFunctions: IamAuthority = {
      enforcing: true,
      principalOf: (req) => principals.principalOf(req),
      allowsServiceInvoke: () => ({ allowed: true }),
      authorize: (principal, action) =>
        principal.kind === 'developer' ? { allowed: true } : { allowed: false, denial: 'implicit', message: `no ${action} for you` },
    };
    const invoke = jest.fn(() => Promise.resolve<InvokeResult>({ ok: true, requestId: 'r', durationMs: 1, result: null }));
    const running = await serve(denyFunctions, invoke, logs);
    await running.sqs.send(new SendMessageCommand({ QueueUrl: app.queues[0].queueUrl, MessageBody: 'work' }));
    await running.service.settled();

    expect(invoke).not.toHaveBeenCalled();
    expect(logs).toEqual([
      "error: event source mapping Mapping (jobs -> Hand-EchoFn) does not poll: no sqs:ReceiveMessage for you. Lambda refuses to create a mapping whose function's role may not sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes on the queue.",
    ]);
    expect(running.service.bannerLines()).toContain(
      '  Polling       event source mapping Mapping (jobs -> Hand-EchoFn): not polling, as its role lacks a grant: no sqs:ReceiveMessage for you',
    );
    await running.close();
  });
});
