/** The parts of `npm run verify` that need no server: its command line, the outputs file, tokens and the report. */
import { CHECKS, subjectOf, tamperedToken, withToken } from '../../verify/checks';
import { parseVerifyArgs } from '../../verify/cli';
import { formatReport, percentile } from '../../verify/report';
import { regionOf, stackOutputs } from '../../verify/targets';

const jwt = (payload: object) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2lnbmF0dXJlQUFBQQ`;

describe('the command line', () => {
  test.each([
    [[], 'give one target: --local, --url WSS_URL or --outputs FILE (see --help)'],
    [['--local', '--url', 'ws://x'], 'give one target: --local, --url WSS_URL or --outputs FILE, not --local and --url (see --help)'],
    [['--url', 'ws://x', '--user', 'ann'], '--user does not apply to --url (see --help)'],
    [['--local', '--publish'], '--publish does not apply to --local (see --help)'],
    [['--outputs', 'f.json', '--user', 'ann'], '--user and --password go together'],
    [['--url', 'ws://x', '--token2', 't'], '--token2 needs --token'],
    [['--url', 'http://x'], '--url must be a ws:// or wss:// URL'],
    [['--local', '--skip', 'nope'], '--skip "nope" is not a check'],
    [['--local', '--timeout-ms', '5'], '--timeout-ms must be a whole number from 100 to 120000'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseVerifyArgs(argv)).toThrow(message);
  });

  test('a valid line gives its settings; --skip takes check names', () => {
    const args = parseVerifyArgs(['--local', '--skip', 'presence', '--samples', '3', '--room-prefix', 'public.verify.']);
    expect(args).toMatchObject({ timeoutMs: 5000, samples: 3, roomPrefix: 'public.verify.', skip: new Set(['presence']) });
    expect(CHECKS.map((c) => c.name)).toContain('presence');
  });
});

describe('the outputs file of cdk deploy --outputs-file', () => {
  const outputs = {
    Other: { TableName: 't' },
    Switchboard: { WebSocketUrl: 'wss://abc.execute-api.eu-west-1.amazonaws.com/dev', UserPoolId: 'eu-west-1_AbC', UserPoolClientId: 'c' },
  };

  test('the one stack with a WebSocketUrl is taken; with several, --stack picks', () => {
    expect(stackOutputs('o.json', outputs, undefined).name).toBe('Switchboard');
    const two = { ...outputs, Staging: { WebSocketUrl: 'wss://x' } };
    expect(() => stackOutputs('o.json', two, undefined)).toThrow(
      'o.json has several stacks (Switchboard, Staging): pick one with --stack NAME',
    );
    expect(stackOutputs('o.json', two, 'Staging').values.WebSocketUrl).toBe('wss://x');
    expect(() => stackOutputs('o.json', { Other: {} }, undefined)).toThrow('o.json has no stack with a WebSocketUrl output');
  });

  test('the region comes from the user pool id, else the API host name', () => {
    expect(regionOf(outputs.Switchboard)).toBe('eu-west-1');
    expect(regionOf({ WebSocketUrl: 'wss://abc.execute-api.ap-southeast-2.amazonaws.com/dev' })).toBe('ap-southeast-2');
    expect(regionOf({ WebSocketUrl: 'wss://chat.example.com/dev' })).toBeUndefined();
  });
});

describe('tokens', () => {
  test('the sub is read without verifying; a tampered token differs only in its signature', () => {
    const token = jwt({ sub: 'u-1' });
    expect(subjectOf(token)).toBe('u-1');
    expect(subjectOf('not a jwt')).toBeUndefined();
    const bad = tamperedToken(token);
    expect(bad).not.toBe(token);
    expect(bad.split('.').slice(0, 2)).toEqual(token.split('.').slice(0, 2));
    expect(withToken('wss://h/dev', 'a+b')).toBe('wss://h/dev?token=a%2Bb');
  });
});

describe('the report', () => {
  test('nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(samples, 50), percentile(samples, 99), percentile([7], 99)]).toEqual([50, 99, 7]);
  });

  test('a table of checks, the latencies, and the counts', () => {
    const text = formatReport(
      'ws://x',
      [
        { name: 'echo', outcome: 'pass', reason: '20 acknowledgements' },
        { name: 'presence', outcome: 'skip', reason: 'needs two users' },
      ],
      new Map([['ping', [1, 2, 3]]]),
    );
    expect(text).toContain('echo      PASS    20 acknowledgements');
    expect(text).toMatch(/^ping\s+3\s+2\.0\s+3\.0$/m);
    expect(text).toContain('1 passed, 0 failed, 1 skipped');
  });
});
