/**
 * What a rule's target receives: the event, a constant Input, an InputPath, or an InputTransformer's
 * template filled in as EventBridge's input transformation documentation describes.
 */
import { jsonPath, targetInput, type BusEvent } from '../../../../local/services/events/target-input';

const EVENT: BusEvent = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: {
    'instance-id': 'i-0123456789',
    state: 'RUNNING',
    count: 3,
    tags: { team: 'web' },
    list: [{ n: 1 }, { n: 2 }],
    quote: 'say "hi"',
  },
};
const CONTEXT = { ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/r', ruleName: 'r', ingestionTime: '2015-11-11T21:29:55.000Z' };
const transform = (inputPathsMap: Record<string, string>, inputTemplate: string) =>
  targetInput({ inputTransformer: { inputPathsMap, inputTemplate } }, EVENT, CONTEXT);

describe('targetInput', () => {
  test('is the event itself by default', () => {
    expect(targetInput({}, EVENT, CONTEXT)).toBe(EVENT);
  });

  test('is the constant Input, parsed as JSON', () => {
    expect(targetInput({ input: '{"fixed":true}' }, EVENT, CONTEXT)).toEqual({ fixed: true });
  });

  test("is the InputPath's part of the event", () => {
    expect(targetInput({ inputPath: '$.detail' }, EVENT, CONTEXT)).toBe(EVENT.detail);
    expect(targetInput({ inputPath: '$.detail.missing' }, EVENT, CONTEXT)).toBeNull();
  });

  test('fills a JSON template: values in value places as JSON, inside strings as escaped text', () => {
    const input = transform(
      {
        instance: '$.detail.instance-id',
        state: '$.detail.state',
        count: '$.detail.count',
        tags: '$.detail.tags',
        quote: '$.detail.quote',
      },
      '{"myInstance": <instance>, "count": <count>, "tags": <tags>, "text": "<instance> is in state \\"<state>\\"", "said": "<quote>"}',
    );
    expect(input).toEqual({
      myInstance: 'i-0123456789',
      count: 3,
      tags: { team: 'web' },
      text: 'i-0123456789 is in state "RUNNING"',
      said: 'say "hi"',
    });
  });

  test('fills a text template with the values as text, and a path the event lacks with nothing', () => {
    expect(transform({ instance: '$.detail.instance-id', state: '$.detail.state' }, '<instance> is in state <state>')).toBe(
      'i-0123456789 is in state RUNNING',
    );
    expect(transform({ missing: '$.detail.nope' }, '{"value": <missing>, "text": "[<missing>]"}')).toEqual({ value: null, text: '[]' });
  });

  test("knows EventBridge's predefined variables; the event ones as raw JSON", () => {
    expect(
      transform(
        {},
        '{"rule": "<aws.events.rule-name>", "arn": <aws.events.rule-arn>, "at": "<aws.events.event.ingestion-time>", "event": <aws.events.event>, "full": <aws.events.event.json>}',
      ),
    ).toEqual({
      rule: 'r',
      arn: CONTEXT.ruleArn,
      at: CONTEXT.ingestionTime,
      event: Object.fromEntries(Object.entries(EVENT).filter(([k]) => k !== 'detail')),
      full: EVENT,
    });
  });

  test('leaves unknown placeholders alone, and refuses a template that is not JSON once filled', () => {
    expect(transform({}, '"<b>bold</b>"')).toBe('<b>bold</b>');
    expect(() => transform({ state: '$.detail.state' }, '{"state": <state>')).toThrow('did not give JSON once filled in');
  });
});

describe('jsonPath', () => {
  test.each<[string, unknown]>([
    ['$', EVENT],
    ['$.source', 'aws.ec2'],
    ['$.detail.instance-id', 'i-0123456789'],
    ["$.detail['instance-id']", 'i-0123456789'],
    ['$.resources[0]', EVENT.resources[0]],
    ['$.detail.list[1].n', 2],
    ['$.detail.list[*].n', [1, 2]],
    ['$.detail.nothing.deeper', undefined],
    ['$.resources[5]', undefined],
  ])('%s', (path, expected) => {
    expect(jsonPath(EVENT, path)).toEqual(expected);
  });

  test('refuses a path EventBridge would not take', () => {
    expect(() => jsonPath(EVENT, 'detail.state')).toThrow('is not a JSONPath');
    expect(() => jsonPath(EVENT, '$..state')).toThrow('is not a JSONPath');
  });
});
