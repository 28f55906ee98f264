import { checkTransition, type EnvironmentState } from '../../../local/runtime/lifecycle';

const STATES: EnvironmentState[] = ['starting', 'idle', 'busy', 'draining', 'dead'];

/** The rule, written out: an environment starts, serves, is ended, and its worker exits. */
const LEGAL = new Set([
  'starting->idle',
  'starting->busy',
  'starting->draining',
  'idle->busy',
  'idle->draining',
  'busy->idle',
  'busy->draining',
  'draining->dead',
]);

describe('an execution environment’s life', () => {
  test('starting -> idle -> busy -> idle ... -> draining -> dead is a life', () => {
    const life: EnvironmentState[] = ['starting', 'idle', 'busy', 'idle', 'busy', 'idle', 'draining', 'dead'];
    for (let i = 1; i < life.length; i++) expect(() => checkTransition(life[i - 1], life[i])).not.toThrow();
  });

  test('one that gets an invocation while it starts is busy once ready; one that fails to start drains', () => {
    expect(() => checkTransition('starting', 'busy')).not.toThrow();
    expect(() => checkTransition('starting', 'draining')).not.toThrow();
  });

  const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to] as const));
  test.each(pairs.filter(([from, to]) => !LEGAL.has(`${from}->${to}`)))('%s -> %s throws, naming where it may go', (from, to) => {
    expect(() => checkTransition(from, to)).toThrow(`an execution environment cannot go from ${from} to ${to}: from ${from} it goes `);
  });

  test('the message says where it may go', () => {
    expect(() => checkTransition('draining', 'idle')).toThrow('from draining it goes only to dead');
    expect(() => checkTransition('dead', 'starting')).toThrow('from dead it goes nowhere');
  });

  test.each(pairs.filter(([from, to]) => LEGAL.has(`${from}->${to}`)))('%s -> %s is allowed', (from, to) => {
    expect(() => checkTransition(from, to)).not.toThrow();
  });
});
