import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTEXT_KEYS } from '../../contract/context-keys';
import { checkContextKeys, closestKey, ConfigError, editDistance } from '../../lib/config-error';

/*
 * Configuration errors as a user meets them: `cdk synth -c ...` in this folder. Integration tier,
 * because a regression (a typo that passes) would go on to synthesize and bundle the whole app.
 */

const ROOT = path.join(__dirname, '..', '..');
// A few seconds each on an idle machine; while other suites run, several times that.
jest.setTimeout(90_000);
const KNOWN = Object.values(CONTEXT_KEYS);

function cdkSynth(...context: string[]): { status: number | null; stderr: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-config-'));
  try {
    const args = [require.resolve('aws-cdk/bin/cdk'), 'synth', '--quiet', '-o', outdir, ...context.flatMap((pair) => ['-c', pair])];
    const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, stderr: result.stderr };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The lines the app itself printed (cdk adds one of its own naming the failed subprocess). */
function appLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.length > 0 && !line.includes('Subprocess exited with error'));
}

describe('closestKey', () => {
  test('suggests the known key one or two edits away, in any case', () => {
    expect(closestKey('maxRoomMember', KNOWN)).toBe('maxRoomMembers');
    expect(closestKey('maxroommembers', KNOWN)).toBe('maxRoomMembers');
    expect(closestKey('stagName', KNOWN)).toBe('stageName');
    expect(closestKey('framesPerSec', KNOWN)).toBeUndefined();
  });

  test('leaves known keys and the context of CDK and other constructs alone', () => {
    for (const key of [...KNOWN, 'cli-telemetry', '@aws-cdk/core:newStyleStackSynthesis', 'aws:cdk:bundling-stacks', 'env', 'region']) {
      expect(closestKey(key, KNOWN)).toBeUndefined();
    }
  });

  test('editDistance counts insertions, deletions and substitutions', () => {
    expect(editDistance('maxRoomMember', 'maxRoomMembers')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  test('checkContextKeys throws a ConfigError naming the typo and the key meant', () => {
    expect(() => checkContextKeys({ maxRoomMember: '5' }, KNOWN)).toThrow(ConfigError);
    expect(() => checkContextKeys({ maxRoomMember: '5' }, KNOWN)).toThrow(
      'Unknown context key "maxRoomMember": did you mean "maxRoomMembers"?',
    );
    expect(() => checkContextKeys({ maxRoomMembers: '5', 'cli-telemetry': false }, KNOWN)).not.toThrow();
  });
});

describe('cdk synth with a wrong setting', () => {
  test('a mistyped key fails with "did you mean", one line, no stack trace', () => {
    const { status, stderr } = cdkSynth('maxRoomMember=5');
    expect(status).toBe(1);
    expect(appLines(stderr)).toEqual([
      'switchboard: Unknown context key "maxRoomMember": did you mean "maxRoomMembers"? (-c maxRoomMembers=...)',
    ]);
  });

  test('a value that is not a number fails with one line saying what is expected', () => {
    const { status, stderr } = cdkSynth('maxRoomMembers=five');
    expect(status).toBe(1);
    expect(appLines(stderr)).toEqual(['switchboard: Context value maxRoomMembers must be a number; got "five".']);
  });

  test("a value the construct refuses fails with the construct's message, one line", () => {
    const { status, stderr } = cdkSynth('maxRoomMembers=1');
    expect(status).toBe(1);
    expect(appLines(stderr)).toEqual([
      'switchboard: SwitchboardApi Switchboard: maxRoomMembers must be an integer from 2 to 1000000; got 1.',
    ]);
  });
});
