/**
 * The life of an execution environment, one state at a time:
 * - `starting`: its worker loads the handler (the init phase); an invocation sent to it waits in
 *   the worker's port until then.
 * - `idle`: ready, with no invocation.
 * - `busy`: running an invocation, perhaps with others queued behind it in its worker (DISPATCH).
 * - `draining`: ended by its pool (a timeout, a crash, the init limit, shutdown): it takes nothing
 *   more, what it held has been settled or handed back, and its worker is being terminated.
 * - `dead`: its worker has exited.
 */
export type EnvironmentState = 'starting' | 'idle' | 'busy' | 'draining' | 'dead';

/** Where each state may go next; an environment never goes back to `starting`, nor leaves `draining` but to `dead`. */
const NEXT: { readonly [from in EnvironmentState]: readonly EnvironmentState[] } = {
  starting: ['idle', 'busy', 'draining'],
  idle: ['busy', 'draining'],
  busy: ['idle', 'draining'],
  draining: ['dead'],
  dead: [],
};

/** Throws unless an environment in state `from` may go to `to`. */
export function checkTransition(from: EnvironmentState, to: EnvironmentState): void {
  if (NEXT[from].includes(to)) return;
  const allowed = NEXT[from].length > 0 ? `only to ${NEXT[from].join(', ')}` : 'nowhere';
  throw new Error(`an execution environment cannot go from ${from} to ${to}: from ${from} it goes ${allowed}`);
}
