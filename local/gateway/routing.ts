/**
 * Route selection for incoming messages, as API Gateway evaluates a WebSocket API's
 * RouteSelectionExpression (`$request.body.<path>`).
 */

/** A compiled route selection expression: the JSON path into the message body. */
export interface RouteSelector {
  readonly expression: string;
  readonly bodyPath: readonly string[];
}

/** Compiles `$request.body.action` (or any `$request.body.a.b`); throws for anything else. */
export function compileSelectionExpression(expression: string): RouteSelector {
  const match = /^\$request\.body\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)$/.exec(expression.trim());
  if (!match) {
    throw new Error(
      `unsupported route selection expression "${expression}": the emulator supports $request.body.<path>, e.g. $request.body.action`,
    );
  }
  return { expression, bodyPath: match[1].split('.') };
}

/** The route key a message body selects, before the `$default` fallback; undefined if none. */
export function selectedValue(selector: RouteSelector, body: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  for (const key of selector.bodyPath) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The route a message goes to: the selected key if it is a route, else `$default`, else undefined. */
export function selectRoute(selector: RouteSelector, body: string, routeKeys: ReadonlySet<string>): string | undefined {
  const key = selectedValue(selector, body);
  if (key !== undefined && !key.startsWith('$') && routeKeys.has(key)) return key;
  return routeKeys.has('$default') ? '$default' : undefined;
}
