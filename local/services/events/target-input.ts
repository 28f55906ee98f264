/**
 * What a rule's target receives for a matched event ("Amazon EventBridge input transformation" in
 * the EventBridge user guide): the event itself; or the target's constant `Input`; or the part of
 * the event its `InputPath` selects; or its `InputTransformer`'s template, filled with the values
 * its `InputPathsMap` selects and EventBridge's predefined variables. Pure functions.
 */
import type { EventTargetSpec } from '../../assembly/app-spec';

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** ISO 8601 without fractions, e.g. `2026-01-29T10:00:00Z`. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

/** The rule a target belongs to and when the event arrived: the values of the predefined variables. */
export interface DeliveryContext {
  readonly ruleArn: string;
  readonly ruleName: string;
  /** ISO 8601: when EventBridge received the event. */
  readonly ingestionTime: string;
}

/** The target's input, as the value the function is invoked with; throws saying why when the template's result is not JSON. */
export function targetInput(
  target: Pick<EventTargetSpec, 'input' | 'inputPath' | 'inputTransformer'>,
  event: BusEvent,
  context: DeliveryContext,
): unknown {
  if (target.input !== undefined) return parseOrText(target.input);
  if (target.inputPath !== undefined) return jsonPath(event, target.inputPath) ?? null;
  if (target.inputTransformer !== undefined) return transformed(target.inputTransformer, event, context);
  return event;
}

/** A constant Input is JSON text; anything else reaches the function as a string. */
function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The value at a JSONPath of the kind EventBridge takes (`$`, `$.detail.id`, `$.detail['a-b']`,
 * `$.resources[0]`, `$.detail.items[*].id`), or undefined when the event has none there.
 */
export function jsonPath(document: unknown, path: string): unknown {
  const steps = pathSteps(path);
  if (steps === undefined) throw new Error(`"${path}" is not a JSONPath of the form EventBridge takes, e.g. $.detail.id`);
  let values: unknown[] = [document];
  let fanned = false;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of values) {
      if (step === '*') {
        fanned = true;
        if (Array.isArray(value)) next.push(...(value as unknown[]));
        else if (isObject(value)) next.push(...Object.values(value));
      } else if (Array.isArray(value) && /^\d+$/.test(step)) {
        if (Number(step) < value.length) next.push(value[Number(step)]);
      } else if (isObject(value) && Object.hasOwn(value, step)) {
        next.push(value[step]);
      }
    }
    values = next;
  }
  return fanned ? values : values[0];
}

function pathSteps(path: string): string[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: string[] = [];
  const step = /^(?:\.([A-Za-z0-9_\-/:@$]+|\*)|\[(\d+|\*)\]|\['([^']*)'\]|\["([^"]*)"\])/;
  let rest = path.slice(1);
  while (rest.length > 0) {
    const match = step.exec(rest);
    if (!match) return undefined;
    steps.push(match[1] ?? match[2] ?? match[3] ?? match[4]);
    rest = rest.slice(match[0].length);
  }
  return steps;
}

/**
 * Fills an InputTemplate. In a JSON template a placeholder in a value's place becomes the value's
 * JSON (a string gets its quotes), and one inside a string literal its text, escaped for it; in a
 * text template, the values' text. A path the event lacks gives null (nothing inside a string).
 * `<aws.events.event>` and `<aws.events.event.json>` are inserted as raw JSON, as EventBridge does.
 */
function transformed(transformer: NonNullable<EventTargetSpec['inputTransformer']>, event: BusEvent, context: DeliveryContext): unknown {
  const { detail: _detail, ...withoutDetail } = event;
  const raw: Record<string, string> = {
    'aws.events.event': JSON.stringify(withoutDetail),
    'aws.events.event.json': JSON.stringify(event),
  };
  const values: Record<string, unknown> = {
    'aws.events.rule-arn': context.ruleArn,
    'aws.events.rule-name': context.ruleName,
    'aws.events.event.ingestion-time': context.ingestionTime,
  };
  for (const [name, path] of Object.entries(transformer.inputPathsMap)) values[name] = jsonPath(event, path);
  const template = transformer.inputTemplate;
  const json = /^\s*[{["]/.test(template);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    const placeholder = c === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    if (placeholder && (Object.hasOwn(values, placeholder[1]) || Object.hasOwn(raw, placeholder[1]))) {
      const name = placeholder[1];
      out += Object.hasOwn(raw, name) ? raw[name] : filled(values[name], json ? (inString ? 'in-string' : 'json') : 'text');
      i += placeholder[0].length - 1;
      continue;
    }
    if (json && c === '"') inString = !inString;
    if (json && inString && c === '\\') {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    out += c;
  }
  if (!json) return out;
  try {
    return JSON.parse(out) as unknown;
  } catch {
    throw new Error(`the InputTemplate did not give JSON once filled in (${out.slice(0, 200)}); EventBridge would not invoke the target`);
  }
}

/** A value as text for its place in the template. */
function filled(value: unknown, place: 'json' | 'in-string' | 'text'): string {
  if (place === 'json') return JSON.stringify(value ?? null);
  const text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return place === 'in-string' ? JSON.stringify(text).slice(1, -1) : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
