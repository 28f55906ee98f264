/**
 * SQS benchmark: messages a second through one FIFO queue of the local SQS, with many message
 * groups, as the next issue's fan-out will use it (high-throughput FIFO: deduplication per
 * message group, throughput per group; SendMessageBatch of 10). The emulator runs as users start
 * it (the real CLI, its own process); the producers and consumers are @aws-sdk/client-sqs clients
 * in this process.
 *
 *   npm run bench:sqs [-- --messages 20000 --groups 1000 --producers 8 --consumers 8]
 *
 * Three phases on the same queue: sending alone (SendMessageBatch), receiving alone
 * (ReceiveMessage of 10, then DeleteMessageBatch), and both at once until every message sent is
 * deleted. Every message is checked to arrive once, and each group's in the order sent.
 * The emulator's CPU time per message is printed too: on a machine other work keeps busy, it
 * says what the emulator costs better than messages a second do.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS } from '../protocol/local-endpoints';
import { cpuTime, startSwitchboardLocal } from './processes';
import { machine, markdownTable, numberArg } from './support';

const QUEUE_NAME = 'bench-fanout.fifo';
const BATCH = 10;

/** A one-stack assembly: a WebSocket API with one route (the emulator runs apps built around one) and the FIFO queue. */
function writeAssembly(dir: string): void {
  mkdirSync(path.join(dir, 'asset.echo'), { recursive: true });
  writeFileSync(path.join(dir, 'asset.echo', 'index.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
  const resources = {
    Echo: {
      Type: 'AWS::Lambda::Function',
      Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x', Code: { S3Bucket: 'b', S3Key: 'echo.zip' } },
      Metadata: { 'aws:asset:path': 'asset.echo' },
    },
    Api: {
      Type: 'AWS::ApiGatewayV2::Api',
      Properties: { Name: 'Bench', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' },
    },
    Integration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'Api' },
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: {
          'Fn::Join': [
            '',
            ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['Echo', 'Arn'] }, '/invocations'],
          ],
        },
      },
    },
    Route: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: { ApiId: { Ref: 'Api' }, RouteKey: '$default', Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] } },
    },
    Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Api' }, StageName: 'bench' } },
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: QUEUE_NAME, FifoQueue: true, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' },
    },
  };
  writeFileSync(path.join(dir, 'Bench.template.json'), JSON.stringify({ Resources: resources }));
  const manifest = {
    version: '48.0.0',
    artifacts: {
      Bench: {
        type: 'aws:cloudformation:stack',
        environment: 'aws://123456789012/us-east-1',
        properties: { templateFile: 'Bench.template.json' },
      },
    },
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

interface Phase {
  readonly name: string;
  readonly messages: number;
  readonly seconds: number;
  readonly requests: number;
  /** The emulator's CPU seconds over the phase. */
  readonly emulatorCpu?: number;
  /** This process's (the SDK clients') CPU seconds over the phase. */
  readonly clientCpu: number;
}

async function main(): Promise<void> {
  const messages = numberArg('messages', 20_000, BATCH);
  const groups = numberArg('groups', 1000, 1);
  const producers = numberArg('producers', 8, 1);
  const consumers = numberArg('consumers', 8, 1);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-sqs-'));
  writeAssembly(dir);
  const emulator = await startSwitchboardLocal(dir);
  try {
    const endpoint = /SQS\s+(http:\/\/\S+)/.exec(emulator.banner)?.[1];
    if (!endpoint) throw new Error(`the emulator's banner names no SQS endpoint:\n${emulator.banner}`);
    const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const queueUrl = `https://sqs.us-east-1.amazonaws.com/123456789012/${QUEUE_NAME}`;
    let serial = 0;
    /** Per group, the serial numbers received, which must rise. */
    const lastSeen = new Map<string, number>();
    const seen = new Set<number>();

    const sendAll = async (count: number): Promise<number> => {
      let left = count / BATCH;
      let requests = 0;
      await Promise.all(
        Array.from({ length: producers }, async () => {
          while (left-- > 0) {
            const Entries = Array.from({ length: BATCH }, (_, i) => {
              const n = serial++;
              return { Id: `e${i}`, MessageBody: `${n}`, MessageGroupId: `room#${n % groups}`, MessageDeduplicationId: `${n}` };
            });
            const { Failed } = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
            requests++;
            if (Failed && Failed.length > 0) throw new Error(`not sent: ${JSON.stringify(Failed)}`);
          }
        }),
      );
      return requests;
    };
    const receiveAll = async (count: number, producing: Promise<unknown> = Promise.resolve()): Promise<number> => {
      let received = 0;
      let requests = 0;
      await Promise.all(
        Array.from({ length: consumers }, async () => {
          while (received < count) {
            const { Messages = [] } = await sqs.send(
              new ReceiveMessageCommand({
                QueueUrl: queueUrl,
                MaxNumberOfMessages: BATCH,
                WaitTimeSeconds: 1,
                MessageSystemAttributeNames: ['MessageGroupId'],
              }),
            );
            requests++;
            if (Messages.length === 0) continue;
            for (const m of Messages) {
              const n = Number(m.Body);
              const group = m.Attributes!.MessageGroupId!;
              if (seen.has(n)) throw new Error(`message ${n} came twice`);
              if ((lastSeen.get(group) ?? -1) > n) throw new Error(`group ${group}: ${n} came after ${lastSeen.get(group)}`);
              seen.add(n);
              lastSeen.set(group, n);
            }
            received += Messages.length;
            await sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl: queueUrl,
                Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
              }),
            );
            requests++;
          }
        }),
      );
      await producing;
      return requests;
    };
    const timed = async (name: string, count: number, run: () => Promise<number>): Promise<Phase> => {
      const cpuBefore = cpuTime(emulator.child.pid!);
      const clientBefore = process.cpuUsage();
      const began = performance.now();
      const requests = await run();
      const seconds = (performance.now() - began) / 1000;
      const cpuAfter = cpuTime(emulator.child.pid!);
      const emulatorCpu =
        cpuBefore && cpuAfter ? cpuAfter.mainThread + cpuAfter.otherThreads - cpuBefore.mainThread - cpuBefore.otherThreads : undefined;
      const client = process.cpuUsage(clientBefore);
      return { name, messages: count, seconds, requests, emulatorCpu, clientCpu: (client.user + client.system) / 1e6 };
    };

    // Warm up both sides (JIT, sockets), unmeasured.
    await sendAll(1000);
    await receiveAll(1000);
    const phases = [
      await timed('SendMessageBatch alone', messages, () => sendAll(messages)),
      await timed('ReceiveMessage + DeleteMessageBatch alone', messages, () => receiveAll(messages)),
      await timed('all three at once', messages, async () => {
        const producing = sendAll(messages);
        return (await receiveAll(messages, producing)) + (await producing);
      }),
    ];
    if (seen.size !== serial) throw new Error(`${serial} sent, ${seen.size} received`);
    sqs.destroy();
    const load = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ');
    console.log(
      `${messages} messages a phase, ${groups} groups, ${producers} producers, ${consumers} consumers; ${machine()}; load average ${load}\n`,
    );
    console.log(
      markdownTable(
        ['phase', 'messages/s', 'requests/s', 'emulator CPU', 'emulator CPU per message', 'clients CPU'],
        phases.map((p) => [
          p.name,
          Math.round(p.messages / p.seconds).toLocaleString('en-US'),
          Math.round(p.requests / p.seconds).toLocaleString('en-US'),
          p.emulatorCpu === undefined ? 'n/a' : `${Math.round((100 * p.emulatorCpu) / p.seconds)}%`,
          p.emulatorCpu === undefined ? 'n/a' : `${Math.round((1e6 * p.emulatorCpu) / p.messages)} µs`,
          `${Math.round((100 * p.clientCpu) / p.seconds)}%`,
        ]),
      ),
    );
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
