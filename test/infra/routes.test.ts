import { ACTION_ROUTES, PUBLISH_FUNCTION_DEFINITION, ROUTES, type ActionRoutes } from '../../lib/routes';
import { ACTIONS } from '../../protocol';

describe('the route table', () => {
  it('has a route for each protocol action, keyed by it, beside API Gateway’s own three', () => {
    expect(ROUTES.map((r) => r.routeKey).sort()).toEqual(['$connect', '$default', '$disconnect', ...ACTIONS].sort());
    for (const action of ACTIONS) expect(ROUTES.find((r) => r.routeKey === action)).toMatchObject(ACTION_ROUTES[action]);
  });

  it('cannot leave an action out: a table without one does not compile', () => {
    const { history: _history, ...withoutHistory } = ACTION_ROUTES;
    // @ts-expect-error -- `history` has no route. If this line compiles, a new action could ship without its route.
    const incomplete: ActionRoutes = withoutHistory;
    expect(Object.keys(incomplete)).not.toContain('history');
  });

  it('gives every function its own construct id', () => {
    const ids = [...ROUTES.map((r) => r.id), PUBLISH_FUNCTION_DEFINITION.id];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
