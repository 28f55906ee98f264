import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { makeHandler } from '../../lambda/handlers/signal';
import { LIMITS } from '../../protocol';
import { handlerDeps, lambdaContext as context, mockAwsClients, postedText, routeEvent, SENDER } from './support/handler-harness';

/** The `signal` route: an ephemeral event for the room's other members, fanned out inline and never stored. */

const { ddb, api } = mockAwsClients();
const deps = handlerDeps();
const signal = makeHandler(deps);
const authorizer = { principalId: 'u-1', userId: 'u-1', displayName: 'Alice' };
const send = (frame: object) => signal(routeEvent('signal', JSON.stringify({ action: 'signal', ...frame }), { authorizer }), context);
const reply = (result: { body?: string }) => JSON.parse(result.body!) as Record<string, unknown>;
const posts = () =>
  api
    .commandCalls(PostToConnectionCommand)
    .map((c) => ({ to: c.args[0].input.ConnectionId, frame: JSON.parse(postedText(c.args[0].input.Data)) as unknown }));

function member(rooms: string[]) {
  ddb
    .on(GetCommand, { Key: { pk: `CONN#${SENDER}`, sk: 'META' } })
    .resolves({ Item: { connectionId: SENDER, userId: 'u-1', rooms: new Set(rooms) } });
}

it("reaches every other member's connection with the sender and its name, and acks how many it reached", async () => {
  member(['lobby']);
  ddb.on(QueryCommand).resolves({ Items: [{ connectionId: SENDER }, { connectionId: 'B' }, { connectionId: 'C' }] });
  const result = await send({ room: 'lobby', type: 'typing', data: { on: true }, id: 's1' });
  expect(reply(result)).toEqual({ event: 'signal', room: 'lobby', type: 'typing', delivered: 2, id: 's1' });
  const event = { event: 'signal', room: 'lobby', type: 'typing', from: 'u-1', fromName: 'Alice', data: { on: true } };
  expect(posts()).toEqual([
    { to: 'B', frame: event },
    { to: 'C', frame: event },
  ]);
});

it('stores nothing and takes no seq: no counter, no history, no dedup row', async () => {
  member(['lobby']);
  ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'B' }] });
  await send({ room: 'lobby', type: 'cursor', data: [1, 2], id: 'same' });
  await send({ room: 'lobby', type: 'cursor', data: [1, 2], id: 'same' });
  expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  expect(ddb).not.toHaveReceivedCommand(BatchWriteCommand);
  expect(ddb).not.toHaveReceivedCommand(PutCommand);
  // The same id twice is two signals: they are not deduplicated.
  expect(posts()).toHaveLength(2);
});

it('refuses a signal from a connection that is not in the room, posting nothing', async () => {
  member(['other']);
  expect(reply(await send({ room: 'lobby', type: 'typing', id: 'x' }))).toMatchObject({
    event: 'error',
    id: 'x',
    error: { code: 'NOT_IN_ROOM' },
  });
  expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  expect(posts()).toEqual([]);
});

it('prunes a gone member as any fan-out does, and reports members it could not reach', async () => {
  member(['lobby']);
  ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'GONE' }, { connectionId: 'SLOW' }] });
  ddb.on(GetCommand, { Key: { pk: 'CONN#GONE', sk: 'META' } }).resolves({}); // its row expired: no presence to count
  ddb.on(DeleteCommand).resolves({});
  api
    .on(PostToConnectionCommand, { ConnectionId: 'GONE' })
    .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
  api
    .on(PostToConnectionCommand, { ConnectionId: 'SLOW' })
    .rejects(Object.assign(new Error('boom'), { name: 'BadRequestException', $metadata: { httpStatusCode: 400 } }));
  expect(reply(await send({ room: 'lobby', type: 'typing' }))).toEqual({
    event: 'signal',
    room: 'lobby',
    type: 'typing',
    delivered: 0,
    failed: 1,
  });
  expect(ddb).toHaveReceivedCommandWith(DeleteCommand, { Key: { pk: 'CONN#GONE', sk: 'META' } });
});

it.each([
  ['no type', { room: 'lobby' }, '"type" must be 1-64 characters'],
  ['a type with a space', { room: 'lobby', type: 'is typing' }, '"type" must be'],
  ['no room', { type: 'typing' }, '"room" is required'],
  [
    'data over the limit',
    { room: 'lobby', type: 'typing', data: 'x'.repeat(LIMITS.maxSignalDataBytes) },
    `the limit is ${LIMITS.maxSignalDataBytes}`,
  ],
])('answers a signal with %s with BAD_REQUEST before any table call', async (_name, frame, message) => {
  expect(reply(await send(frame))).toMatchObject({
    event: 'error',
    error: { code: 'BAD_REQUEST', message: expect.stringContaining(message) as string },
  });
  expect(ddb.calls()).toHaveLength(0);
});
