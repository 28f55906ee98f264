import fc from 'fast-check';
import { ENV } from '../../contract/environment';
import {
  claimsContext,
  claimValues,
  MAX_CLAIMS_CONTEXT_CHARS,
  parseClaimsContext,
  roomPolicyFromEnv,
  RoomPolicy,
  type JoinIdentity,
} from '../../lambda/core/room-rules';
import { parseRoomRules, ruleClaimNames } from '../../contract/room-rules';

const alice: JoinIdentity = { userId: 'alice', claims: { 'cognito:groups': ['red', 'blue'] } };
const bob: JoinIdentity = { userId: 'bob', claims: {} };
const guest: JoinIdentity = { claims: {} };

const rules = parseRoomRules([
  { pattern: 'team.{group}.*', claims: { group: 'cognito:groups' } },
  { pattern: 'public.*' },
  { pattern: 'quiet.{name}', presence: false },
  { pattern: 'lobby' },
]);

describe('room rules: who may join', () => {
  const policy = new RoomPolicy(rules, true);
  it.each([
    ['team.red.general', alice, true],
    ['team.blue.x.y', alice, true],
    ['team.green.general', alice, false],
    ['team.red', alice, false], // "*" needs at least one more segment
    ['team.red.general', bob, false],
    ['team.red.general', guest, false],
    ['public.news', guest, true],
    ['public', guest, false],
    ['quiet.room', bob, true],
    ['quiet.room.deeper', bob, false],
    ['lobby', guest, true],
    ['lobby.x', guest, false],
    ['elsewhere', alice, false], // rules configured: no match is refused
    ['user.alice', alice, true],
    ['user.alice', bob, false],
    ['user.alice', guest, false],
    ['user.bob', alice, false],
  ] as const)('%s for %j: %s', (room, identity, allowed) => {
    expect(policy.decide(room, identity).allowed).toBe(allowed);
  });

  it('says why, naming the room, the rule and the claim', () => {
    expect(policy.decide('team.green.general', alice)).toEqual({
      allowed: false,
      reason: 'Room "team.green.general" (rule "team.{group}.*") is only for tokens whose "cognito:groups" claim includes "green".',
    });
    expect(policy.decide('user.bob', alice)).toMatchObject({ allowed: false, reason: expect.stringContaining('"user.alice"') });
    expect(policy.decide('user.bob', guest)).toMatchObject({ allowed: false, reason: expect.stringContaining('guests') });
  });

  it("without rules, every room is open except other users' user rooms", () => {
    const open = new RoomPolicy([], true);
    expect(open.decide('anything.at.all', guest)).toEqual({ allowed: true, presence: true });
    expect(open.decide('user.bob', alice).allowed).toBe(false);
    expect(open.decide('user.alice', alice).allowed).toBe(true);
  });

  it('takes presence from the first matching rule, else the global setting', () => {
    expect(policy.decide('quiet.room', bob)).toEqual({ allowed: true, presence: false });
    expect(policy.presenceIn('quiet.room')).toBe(false);
    expect(policy.presenceIn('lobby')).toBe(true);
    expect(new RoomPolicy(rules, false).presenceIn('lobby')).toBe(false);
    expect(new RoomPolicy([{ pattern: 'loud.*', presence: true }], false).presenceIn('loud.x')).toBe(true);
    expect(new RoomPolicy([], false).presenceIn('user.alice')).toBe(false);
  });

  // Property: with rules present, a room is admitted only when a rule matches and every claim it names holds.
  it('admits a room with a {group} rule exactly when the group is among the claim values (property)', () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    let admitted = 0;
    const runs = 500;
    fc.assert(
      fc.property(
        segment,
        fc.array(segment, { maxLength: 5 }),
        fc.boolean(),
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        (group, others, member, rest) => {
          // Half the runs put the room's group among the token's groups, so both outcomes are reached.
          const groups = member ? [...others, group] : others.filter((g) => g !== group);
          const room = ['team', group, ...rest].join('.');
          const decision = policy.decide(room, { userId: 'u', claims: { 'cognito:groups': groups } });
          expect(decision.allowed).toBe(member);
          if (decision.allowed) admitted++;
        },
      ),
      { numRuns: runs },
    );
    expect(admitted).toBeGreaterThan(runs / 4);
    expect(admitted).toBeLessThan((runs * 3) / 4);
  });

  it('never admits another user to a user room, rules or not (property)', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/);
    fc.assert(
      fc.property(id, id, fc.boolean(), (owner, other, withRules) => {
        fc.pre(owner !== other);
        const p = new RoomPolicy(withRules ? rules : [], true);
        expect(p.decide(`user.${owner}`, { userId: other, claims: {} }).allowed).toBe(false);
        expect(p.decide(`user.${owner}`, { userId: owner, claims: {} }).allowed).toBe(true);
      }),
    );
  });
});

describe('room rules: validation (at synth and cold start)', () => {
  it.each([
    [{ pattern: 'team.*.x' }, 'roomRules[0] ("team.*.x"): "*" may only be the last segment; got it as segment 2 of 3.'],
    [{ pattern: '*' }, 'roomRules[0] ("*"): a pattern cannot be "*" alone'],
    [{ pattern: 'a..b' }, 'roomRules[0] ("a..b"): segment "" is neither a literal'],
    [{ pattern: 'a.{x}.{x}' }, 'placeholder {x} appears twice'],
    [
      { pattern: 'team.{group}.*', claims: { team: 'groups' } },
      '"claims" names {team}, which the pattern does not bind; its placeholders are {group}.',
    ],
    [{ pattern: 'team.*', claims: { group: 'groups' } }, 'its placeholders are none'],
    [{ pattern: 'a.{g}', claims: { g: '' } }, '"claims.g" must be a token claim name'],
    [{ pattern: 'a', presence: 'no' }, '"presence" must be true or false; got "no".'],
    [{ pattern: 'a', claim: {} }, 'unknown key(s) claim'],
    [{ pattern: 'user.*' }, 'built-in rule'],
    [{ pattern: '' }, '"pattern" must be a non-empty string'],
    ['public.*', 'roomRules[0]: must be an object'],
  ])('refuses %j', (rule, message) => {
    expect(() => parseRoomRules([rule])).toThrow(message);
  });

  it('refuses a non-list', () => {
    expect(() => parseRoomRules({ pattern: 'a' })).toThrow('roomRules must be a list of { pattern, claims?, presence? }');
  });

  it('names the rule by index among several', () => {
    expect(() => parseRoomRules([{ pattern: 'ok' }, { pattern: 'bad.*.x' }])).toThrow(/^roomRules\[1\] \("bad\.\*\.x"\)/);
  });

  it('lists the claims the rules name, once each', () => {
    expect(
      ruleClaimNames(
        parseRoomRules([
          { pattern: 'a.{g}', claims: { g: 'groups' } },
          { pattern: 'b.{g}.{o}', claims: { g: 'groups', o: 'org' } },
        ]),
      ),
    ).toEqual(['groups', 'org']);
  });

  it('reads the rules and the presence setting from the environment, and refuses bad JSON naming the variable', () => {
    const policy = roomPolicyFromEnv({ [ENV.roomRules]: JSON.stringify([{ pattern: 'public.*' }]), [ENV.presence]: 'false' });
    expect(policy.decide('public.x', guest)).toEqual({ allowed: true, presence: false });
    expect(policy.decide('other', guest).allowed).toBe(false);
    expect(roomPolicyFromEnv({}).decide('other', guest)).toEqual({ allowed: true, presence: true });
    expect(() => roomPolicyFromEnv({ [ENV.roomRules]: '[{' })).toThrow(`Environment variable ${ENV.roomRules} must be a JSON list`);
    expect(() => roomPolicyFromEnv({ [ENV.presence]: 'yes' })).toThrow(`Environment variable ${ENV.presence} must be "true" or "false"`);
  });
});

describe('claims in the authorizer context', () => {
  it('reads claim values from arrays and space- or comma-separated strings', () => {
    expect(claimValues(['a', 'b', 3, { x: 1 }])).toEqual(['a', 'b', '3']);
    expect(claimValues('a b,c')).toEqual(['a', 'b', 'c']);
    expect(claimValues(undefined)).toEqual([]);
  });

  it('passes only the named claims, and reads them back', () => {
    const { json, truncated } = claimsContext({ 'cognito:groups': ['red'], email: 'a@b.c', scope: 'x y' }, ['cognito:groups', 'scope']);
    expect(truncated).toBe(false);
    expect(JSON.parse(json)).toEqual({ 'cognito:groups': ['red'], scope: ['x', 'y'] });
    expect(parseClaimsContext(json)).toEqual({ 'cognito:groups': ['red'], scope: ['x', 'y'] });
  });

  it(`bounds the context at ${MAX_CLAIMS_CONTEXT_CHARS} characters, saying so`, () => {
    const groups = Array.from({ length: 500 }, (_, i) => `group-number-${i}`);
    const { json, truncated } = claimsContext({ groups }, ['groups']);
    expect(truncated).toBe(true);
    expect(json.length).toBeLessThanOrEqual(MAX_CLAIMS_CONTEXT_CHARS);
    const kept = parseClaimsContext(json).groups;
    expect(kept.length).toBeGreaterThan(50);
    expect(kept).toEqual(groups.slice(0, kept.length));
  });

  it('reads anything but its own shape as no claims', () => {
    for (const raw of [undefined, '', 'not json', '[1]', '"x"', 42]) expect(parseClaimsContext(raw)).toEqual({});
    expect(parseClaimsContext('{"g":["a",1]}')).toEqual({ g: ['a'] });
  });
});
