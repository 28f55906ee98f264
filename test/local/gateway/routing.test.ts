import { compileSelectionExpression, selectRoute, selectedValue } from '../../../local/gateway/routing';

describe('route selection', () => {
  const routes = new Set(['$connect', '$disconnect', '$default', 'message', 'join']);
  const byAction = compileSelectionExpression('$request.body.action');

  test('the selected value names the route', () => {
    expect(selectRoute(byAction, '{"action":"message","data":"x"}', routes)).toBe('message');
    expect(selectRoute(byAction, '{"action":"join"}', routes)).toBe('join');
  });

  test('non-JSON, missing, unknown and non-string values fall back to $default', () => {
    for (const body of ['hello', '', '[1,2]', '{"data":1}', '{"action":"nope"}', '{"action":{"x":1}}', 'null']) {
      expect(selectRoute(byAction, body, routes)).toBe('$default');
    }
  });

  test('a frame cannot select the $connect or $disconnect routes', () => {
    expect(selectRoute(byAction, '{"action":"$connect"}', routes)).toBe('$default');
  });

  test('without $default, an unmatched frame has no route', () => {
    expect(selectRoute(byAction, '{"action":"nope"}', new Set(['message']))).toBeUndefined();
  });

  test('other and nested selection expressions', () => {
    const byType = compileSelectionExpression('$request.body.type');
    expect(selectRoute(byType, '{"type":"join","action":"message"}', routes)).toBe('join');
    const nested = compileSelectionExpression('$request.body.meta.kind');
    expect(selectedValue(nested, '{"meta":{"kind":"message"}}')).toBe('message');
    expect(selectedValue(nested, '{"meta":"message"}')).toBeUndefined();
    expect(selectedValue(byType, '{"type":7}')).toBe('7');
  });

  test('unsupported expressions are rejected with the supported form', () => {
    expect(() => compileSelectionExpression('$request.header.x')).toThrow('$request.body.<path>');
    expect(() => compileSelectionExpression('${request.body.action}')).toThrow('unsupported route selection expression');
  });
});
