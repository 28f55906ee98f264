import { UsageError } from '../../cli-kit/flags';
import { appContext, emulatorFlags, memberSplit, parseBigroomArgs, type BigroomOptions } from '../../bench/bigroom-args';
import { checkDeliveries, lostOfUnexpected, mergeArrivals } from '../../bench/delivery-check';
import { readBanner } from '../../bench/emulator-banner';
import { EmulatorLogCounts } from '../../bench/emulator-log';
import { readProtocolLine, protocolLine } from '../../bench/bigroom-protocol';

const parse = (line: string): BigroomOptions => {
  const parsed = parseBigroomArgs(line.split(' ').filter(Boolean));
  if (parsed === 'help') throw new Error('expected options, got help');
  return parsed;
};

describe('bench:bigroom command line', () => {
  it('takes the room size and defaults the rest', () => {
    expect(parse('--members 1000')).toEqual({
      members: 1000,
      messages: 10,
      awsLike: false,
      accountRps: undefined,
      faultRate: undefined,
      inlineLimit: undefined,
      shardSize: undefined,
      connectRate: 400,
      perProcess: 2500,
      idleTimeoutSeconds: 20,
      quiet: true,
    });
    expect(parseBigroomArgs(['--help'])).toBe('help');
  });

  it('reads the emulator log for 429s when the run has a quota or faults, or when asked', () => {
    expect(parse('--members 100 --aws-like').quiet).toBe(false);
    expect(parse('--members 100 --account-rps 500').quiet).toBe(false);
    expect(parse('--members 100 --fault-rate 429:0.1').quiet).toBe(false);
    expect(parse('--members 100 --count-429s').quiet).toBe(false);
    expect(parse('--members 100 --aws-like --quiet').quiet).toBe(true);
    expect(() => parse('--members 100 --quiet --count-429s')).toThrow(/contradict each other/);
  });

  it('passes the emulator the flags a user would give it, and the app its context only when needed', () => {
    const o = parse('--members 5000 --aws-like --messages 20 --inline-limit 0 --shard-size 500 --fault-rate 429:0.2,500:0.05');
    expect(emulatorFlags(o)).toEqual(['--aws-like', '--fault-rate', '429:0.2,500:0.05']);
    expect(appContext(o)).toEqual({
      maxRoomMembers: '5000',
      // 20 a second for the warm-up round and 20 for the measured one.
      roomMessageBurst: '40',
      inlineFanoutLimit: '0',
      fanoutShardSize: '500',
    });
    // A room within the default limits and a warm-up plus K within the default burst: nothing to set.
    expect(appContext(parse('--members 100 --messages 10'))).toEqual({});
    expect(emulatorFlags(parse('--members 100 --account-rps 1000'))).toEqual(['--account-rps', '1000']);
  });

  it('names what is wrong on the command line', () => {
    expect(() => parse('--messages 5')).toThrow(new UsageError('--members N is required: how many members the room has (see --help)'));
    expect(() => parse('--members 1')).toThrow('--members must be a whole number from 2 to 1000000, got "1"');
    expect(() => parse('--members 100 --messages 0')).toThrow('--messages must be a whole number from 1 to 1000, got "0"');
    expect(() => parse('--members 100 --fault-rate 429:2')).toThrow(/^--fault-rate: bad fault rate "429:2"/);
    expect(() => parse('--members 100 --shards 4')).toThrow('unknown flag --shards (see --help)');
  });

  it('splits the members other than the sender evenly over the member processes', () => {
    expect(memberSplit(1000, 2500)).toEqual([999]);
    expect(memberSplit(10_001, 2500)).toEqual([2500, 2500, 2500, 2500]);
    expect(memberSplit(10_000, 2500)).toEqual([2500, 2500, 2500, 2499]);
    expect(memberSplit(2, 2500)).toEqual([1]);
  });
});

describe('the exactly-once, in-order check', () => {
  const expected = new Set([1, 2, 3, 4]);

  it('passes a member that got each message once, in seq order', () => {
    expect(checkDeliveries([1, 2, 3, 4], expected)).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0, unexpected: 0 });
  });

  it('counts lost, duplicated, out-of-order and unexpected messages apart', () => {
    // 3 is lost, 2 came twice (the second copy counted, not as out of order), 1 after 2, and 9 nobody sent.
    expect(checkDeliveries([2, 1, 2, 4, 9], expected)).toEqual({ lost: 1, duplicated: 1, outOfOrder: 1, unexpected: 1 });
    expect(checkDeliveries([], expected)).toEqual({ lost: 4, duplicated: 0, outOfOrder: 0, unexpected: 0 });
    expect(checkDeliveries([4, 3, 2, 1], expected)).toEqual({ lost: 0, duplicated: 0, outOfOrder: 3, unexpected: 0 });
  });

  it('merges two processes’ arrivals and counts who missed a message nobody expected', () => {
    const merged = mergeArrivals(
      { '1': { receivers: 3, first: 100, last: 150 }, '7': { receivers: 1, first: 120, last: 120 } },
      { '1': { receivers: 2, first: 90, last: 140 }, '2': { receivers: 5, first: 200, last: 260 } },
    );
    expect(merged).toEqual({
      '1': { receivers: 5, first: 90, last: 150 },
      '2': { receivers: 5, first: 200, last: 260 },
      '7': { receivers: 1, first: 120, last: 120 },
    });
    // 7's ack never came, but one member got it: the other four lost it.
    expect(lostOfUnexpected(merged, new Set([1, 2]), 5)).toBe(4);
  });
});

describe('what the bench reads from the emulator', () => {
  it('reads the region, the Lambda and SQS endpoints and the publish function from the banner', () => {
    const banner = [
      'Switchboard local: stack Switchboard, API Switchboard (abc123), stage dev, region eu-west-1',
      '  WebSocket     ws://127.0.0.1:4000/dev',
      "  Lambda        http://127.0.0.1:4000 (Invoke API of the app's 12 functions; AWS_ENDPOINT_URL_LAMBDA)",
      '  Publish       function Switchboard-Publish1A2B: npx switchboard-local publish --emulator http://127.0.0.1:4000 --room lobby --data hello',
      '  SQS           http://127.0.0.1:4100 (AWS_ENDPOINT_URL_SQS; functions reach it as sqs.eu-west-1.amazonaws.com)',
    ].join('\n');
    expect(readBanner(banner)).toEqual({
      region: 'eu-west-1',
      lambdaEndpoint: 'http://127.0.0.1:4000',
      publishFunction: 'Switchboard-Publish1A2B',
      sqsEndpoint: 'http://127.0.0.1:4100',
    });
    expect(() => readBanner('  WebSocket     ws://127.0.0.1:4000/dev')).toThrow(/names no region or Lambda endpoint/);
  });

  it('counts the @connections answers and the throttled messages in its log', () => {
    const counts = new EmulatorLogCounts();
    for (const line of [
      '@connections POST   abc= 200',
      '@connections POST   abd= 429',
      '@connections POST   abe= 429',
      '@connections POST   abf= 500',
      '@connections DELETE abf= 204',
      'MESSAGE    (throttled)  abg= 429 (10000 requests/s, burst 5000)',
      'MESSAGE    message      abh= 200 1.2ms',
    ])
      counts.add(line);
    expect(counts.postsAnswered(429)).toBe(2);
    expect(counts.postsAnswered(500)).toBe(1);
    expect(counts.postsAnswered(200)).toBe(1);
    expect(counts.throttledMessages).toBe(1);
  });

  it('reads back the lines the member processes print', () => {
    expect(readProtocolLine(protocolLine('progress', { joined: 12 }).trimEnd())).toEqual({ kind: 'progress', body: { joined: 12 } });
    expect(readProtocolLine('Bundling asset ...')).toBeUndefined();
  });
});
