import * as fs from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RATE_LIMIT_DEFAULTS } from '../../contract/defaults';
import { ENV } from '../../contract/environment';
import type { SwitchboardApiProps } from '../../lib/switchboard-api';
import { apiWith, environmentOf, handlerFunction, synthSwitchboard, synthTemplate } from './synth';

/** The per-connection rate limits: props, their defaults, the variables each function gets, validation at synth. */
const { stack, outdir } = synthSwitchboard({});
const template = Template.fromStack(stack);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('rate limits', () => {
  it('defaults to 10 room messages/s (burst 20) and 50 frames/s (burst 100)', () => {
    expect(RATE_LIMIT_DEFAULTS).toEqual({ roomMessages: { perSecond: 10, burst: 20 }, frames: { perSecond: 50, burst: 100 } });
    expect(environmentOf(template, 'Message')).toMatchObject({
      [ENV.roomMessagesPerSecond]: '10',
      [ENV.roomMessageBurst]: '20',
      [ENV.framesPerSecond]: '50',
      [ENV.frameBurst]: '100',
    });
  });

  it('gives the frame limit to every route a client sends frames to, and the room-message limit to message only', () => {
    for (const handler of ['Default', 'Join', 'Leave', 'Ping']) {
      expect(environmentOf(template, handler)).toMatchObject({ [ENV.framesPerSecond]: '50', [ENV.frameBurst]: '100' });
      expect(environmentOf(template, handler)[ENV.roomMessagesPerSecond]).toBeUndefined();
    }
    for (const handler of ['Connect', 'Disconnect']) expect(environmentOf(template, handler)[ENV.framesPerSecond]).toBeUndefined();
  });

  it('lets the message function update its table rows (the bucket is a conditional UpdateItem)', () => {
    const roleId = handlerFunction(template, 'Message').properties.Role['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['dynamodb:UpdateItem']) })]) },
    });
  });

  it('takes both limits from props', () => {
    const t = apiWith({ roomMessageRateLimit: { perSecond: 0.5, burst: 3 }, frameRateLimit: { perSecond: 20, burst: 40 } });
    expect(environmentOf(t, 'Message')).toMatchObject({
      [ENV.roomMessagesPerSecond]: '0.5',
      [ENV.roomMessageBurst]: '3',
      [ENV.framesPerSecond]: '20',
      [ENV.frameBurst]: '40',
    });
    expect(environmentOf(t, 'Ping')).toMatchObject({ [ENV.framesPerSecond]: '20', [ENV.frameBurst]: '40' });
  });

  it('takes them from context too, a key alone keeping the other default', () => {
    expect(environmentOf(synthTemplate({ roomMessagesPerSecond: '2', frameBurst: '60' }), 'Message')).toMatchObject({
      [ENV.roomMessagesPerSecond]: '2',
      [ENV.roomMessageBurst]: '20',
      [ENV.framesPerSecond]: '50',
      [ENV.frameBurst]: '60',
    });
    expect(() => synthSwitchboard({ framesPerSecond: 'lots' })).toThrow('Context value framesPerSecond must be a number; got "lots".');
  });

  it.each<[string, SwitchboardApiProps, string]>([
    [
      'a zero room-message rate',
      { roomMessageRateLimit: { perSecond: 0, burst: 20 } },
      'roomMessageRateLimit.perSecond must be a number above 0 and at most 10000; got 0.',
    ],
    [
      'a fractional room-message burst',
      { roomMessageRateLimit: { perSecond: 10, burst: 2.5 } },
      'roomMessageRateLimit.burst must be an integer from 1 to 100000; got 2.5.',
    ],
    [
      'a frame rate that is not a number',
      { frameRateLimit: { perSecond: Number.NaN, burst: 100 } },
      'frameRateLimit.perSecond must be a number above 0 and at most 10000; got NaN.',
    ],
    [
      'a zero frame burst',
      { frameRateLimit: { perSecond: 50, burst: 0 } },
      'frameRateLimit.burst must be an integer from 1 to 100000; got 0.',
    ],
    [
      'a room-message limit above the frame limit',
      { roomMessageRateLimit: { perSecond: 60, burst: 20 } },
      'roomMessageRateLimit (60/s, burst 20) exceeds frameRateLimit (50/s, burst 100); every room message is also a frame, so raise frameRateLimit too.',
    ],
  ])('rejects %s at synth, naming the bad value', (_name, props, message) => {
    expect(() => apiWith(props)).toThrow(`SwitchboardApi Switchboard: ${message}`);
  });
});
