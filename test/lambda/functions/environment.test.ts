import { ENV } from '../../../contract';
import { frameLimiter, joinLimits, roomMessageRateLimit } from '../../../lambda/functions/environment';
import { roomDeps } from '../../../lambda/functions/services';
import { createTelemetry } from '../../../lambda/core/telemetry';

/** What the functions' entries build from the variables the stack sets, at cold start. */
describe('a function’s environment', () => {
  it('gives the join limits, the room-message limit and the frame limit from their variables, or their defaults', () => {
    expect(joinLimits({})).toEqual({ maxRoomsPerConnection: 20, maxRoomMembers: 1000 });
    expect(joinLimits({ [ENV.maxRoomsPerConnection]: '2', [ENV.maxRoomMembers]: '5' })).toEqual({
      maxRoomsPerConnection: 2,
      maxRoomMembers: 5,
    });
    expect(roomMessageRateLimit({ [ENV.roomMessagesPerSecond]: '1', [ENV.roomMessageBurst]: '1' })).toEqual({ perSecond: 1, burst: 1 });
    expect(frameLimiter({ [ENV.framesPerSecond]: '0.5', [ENV.frameBurst]: '3' }).limit).toEqual({ perSecond: 0.5, burst: 3 });
    expect(frameLimiter({}).limit).toEqual({ perSecond: 50, burst: 100 });
  });

  it('fails at cold start, naming the variable, when one is wrong or missing', () => {
    expect(() => joinLimits({ [ENV.maxRoomsPerConnection]: 'many' })).toThrow(`${ENV.maxRoomsPerConnection} must be a positive integer`);
    const telemetry = createTelemetry();
    const room = { [ENV.tableName]: 'T', [ENV.callbackUrl]: 'https://abc.execute-api.us-east-1.amazonaws.com/dev' };
    expect(() => roomDeps(telemetry, { [ENV.callbackUrl]: room[ENV.callbackUrl] })).toThrow(
      `Environment variable ${ENV.tableName} is not set`,
    );
    expect(() => roomDeps(telemetry, { ...room, [ENV.callbackUrl]: 'abc.example' })).toThrow(`${ENV.callbackUrl} must be an http(s) URL`);
    expect(() => roomDeps(telemetry, { ...room, [ENV.roomRules]: '[{' })).toThrow(`${ENV.roomRules} must be a JSON list`);
  });

  it('gives the fan-out concurrency and the room rules from their variables', () => {
    const env = {
      [ENV.tableName]: 'T',
      [ENV.callbackUrl]: 'https://abc.execute-api.us-east-1.amazonaws.com/dev',
      [ENV.fanoutConcurrency]: '4',
      [ENV.roomRules]: JSON.stringify([{ pattern: 'public.*' }]),
      [ENV.presence]: 'false',
    };
    const deps = roomDeps(createTelemetry(), env);
    expect(deps.fanoutConcurrency).toBe(4);
    expect(deps.policy.decide('public.chat', { claims: {} })).toEqual({ allowed: true, presence: false });
    expect(deps.policy.decide('private', { claims: {} })).toMatchObject({ allowed: false });
  });
});
