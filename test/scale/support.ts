/** Helpers for the emulator tests at scale: the app in the emulator, real ws clients in rooms, the table. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../contract/table-design';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../local/emulator';
import { wsText } from '../../cli-kit/ws-text';
import { appAssembly } from '../support/app-assembly';
import { connect, type TestClient } from '../local/helpers';

export const quiet = { log: () => undefined, functionLog: () => undefined };

/** This app in the emulator, with a DynamoDB client on its local table. */
export async function start(options: Partial<EmulatorOptions> = {}): Promise<{ emu: Emulator; db: DynamoDBDocumentClient; table: string }> {
  const emu = await startEmulator({ assemblyDir: appAssembly(), port: 0, dynamodbPort: 0, ...quiet, ...options });
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: emu.dynamodbEndpoint,
      region: emu.app.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const [table] = Object.values(emu.tables);
  return { emu, db, table };
}

/**
 * Sends a frame and waits for the reply that carries its id (other frames are skipped); rejects if
 * the connection closes first.
 */
export async function request(client: TestClient, frame: Record<string, unknown>): Promise<Record<string, unknown>> {
  const id = `r${Math.random().toString(36).slice(2)}`;
  client.ws.send(JSON.stringify({ ...frame, id }));
  const reply = async () => {
    for (;;) {
      const next = await client.nextJson();
      if (next.id === id) return next;
    }
  };
  const closed = client.closed.then(({ code }) => Promise.reject(new Error(`connection closed with ${code} before the reply to ${id}`)));
  return Promise.race([reply(), closed]);
}

/** A deterministic random source (mulberry32), so fault injection is repeatable. */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The app's $connect needs a token: the emulator's local issuer mints one. */
export async function authenticatedUrl(emu: Emulator, user = 'scale-tester'): Promise<string> {
  if (!emu.localIssuer) return emu.url;
  return `${emu.url}?token=${await emu.localIssuer.mint(user)}`;
}

/** Opens `count` clients and has each join `room`. */
export async function openMembers(emu: Emulator, room: string, count: number): Promise<TestClient[]> {
  const url = await authenticatedUrl(emu);
  const members: TestClient[] = [];
  // Bounded: 20 handshakes and joins in flight at a time.
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, count - i) }, () => connect(url)));
    await Promise.all(batch.map(async (m) => expect(await request(m, { action: 'join', room })).toMatchObject({ event: 'joined', room })));
    members.push(...batch);
  }
  return members;
}

/** Collects every frame a client receives from now on. */
export function recorder(client: TestClient): string[] {
  const frames: string[] = [];
  client.ws.on('message', (data) => frames.push(wsText(data)));
  return frames;
}

/**
 * Polls `condition` until it holds. On timeout it throws, or with `returnOnTimeout` it returns, so
 * that the assertions that follow say what is wrong.
 */
export async function waitUntil(
  condition: () => boolean,
  { timeoutMs = 30_000, returnOnTimeout = false }: { timeoutMs?: number; returnOnTimeout?: boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      if (returnOnTimeout) return;
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The connection ids of every member row of `room`, expired or not. */
export async function memberIds(db: DynamoDBDocumentClient, table: string, room: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.roomPartition(room) },
        ExclusiveStartKey: startKey,
      }),
    );
    ids.push(...(page.Items ?? []).map((i) => String(i.connectionId)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids.sort();
}

/** How long a RATE_LIMITED error frame says to wait before trying again, in ms. */
export function retryAfterMs(frame: Record<string, unknown>): number {
  const message = (frame.error as { message?: string } | undefined)?.message ?? '';
  const ms = /retry in (\d+) ms/.exec(message)?.[1];
  if (ms === undefined) throw new Error(`not a RATE_LIMITED frame with a retry time: ${JSON.stringify(frame)}`);
  return Number(ms);
}
