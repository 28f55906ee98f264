/**
 * The local EventBridge as @aws-sdk/client-eventbridge sees it: PutEvents on the default bus and
 * the app's, IAM on each bus, and delivery to the targets of the rules that match, as asynchronous
 * invocations of their functions.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventRuleSpec } from '../../../../local/assembly/app-spec';
import type { InvokeResult } from '../../../../local/runtime/runtime';
import { EVENTS, type LocalEventBridge } from '../../../../local/services/events/event-bridge';
import { LOCAL_CREDENTIALS } from '../../../../protocol/local-endpoints';
import { startService, testApp, testIam, type RunningTestService } from '../service-harness';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const arn = (resource: string) => `arn:aws:events:${REGION}:${ACCOUNT}:${resource}`;
const BUSES = [
  { name: 'default', arn: arn('event-bus/default') },
  { logicalId: 'OrdersBus', name: 'orders', arn: arn('event-bus/orders') },
];

const rule = (logicalId: string, parts: Partial<EventRuleSpec>): EventRuleSpec => ({
  logicalId,
  name: logicalId,
  arn: arn(`rule/orders/${logicalId}`),
  busName: 'orders',
  state: 'ENABLED',
  targets: [{ id: 'Target0', arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Notify`, functionLogicalId: 'NotifyFn' }],
  ...parts,
});
const RULES: EventRuleSpec[] = [
  // Prefix and numeric, as the fixture app's rule.
  rule('BigOrders', { eventPattern: { source: [{ prefix: 'shop.' }], detail: { total: [{ numeric: ['>=', 100] }] } } }),
  rule('Transformed', {
    eventPattern: { 'detail-type': ['Order Shipped'] },
    targets: [
      {
        id: 'Shaped',
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Shape`,
        functionLogicalId: 'ShapeFn',
        inputTransformer: { inputPathsMap: { id: '$.detail.id' }, inputTemplate: '{"shipped": <id>, "rule": "<aws.events.rule-name>"}' },
      },
    ],
  }),
  rule('Disabled', { state: 'DISABLED', eventPattern: { source: [{ prefix: '' }] } }),
  rule('Broken', { eventPattern: { source: 'not-a-list' } }),
  rule('OnDefault', { busName: 'default', arn: arn('rule/OnDefault'), eventPattern: { source: ['audit'] } }),
];
const app = testApp({ stackName: 'Shop', region: REGION, accountId: ACCOUNT, eventBuses: BUSES, eventRules: RULES });

/** A function allowed on the orders bus only. */
const PRODUCER = { logicalId: 'ProducerFn', functionName: 'Shop-ProducerFn', roleArn: `arn:aws:iam::${ACCOUNT}:role/Shop-ProducerRole` };
const iam = testIam(app, [PRODUCER], (principal, action, resource) =>
  resource === BUSES[1].arn
    ? { allowed: true }
    : {
        allowed: false,
        denial: 'implicit',
        message: `User: ${principal.kind === 'function' ? principal.sessionArn : ''} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
      },
);

const invocations: Array<{ functionLogicalId: string; event: unknown }> = [];
let fail = false;
const invoke = async (functionLogicalId: string, event: unknown): Promise<InvokeResult> => {
  invocations.push({ functionLogicalId, event });
  return fail
    ? { ok: false, requestId: 'r', durationMs: 1, error: { errorType: 'Error', errorMessage: 'target failed', trace: [] } }
    : { ok: true, requestId: 'r', durationMs: 1, result: null };
};

let running: RunningTestService<LocalEventBridge>;
let events: EventBridgeClient;

beforeAll(async () => {
  running = await startService<LocalEventBridge>(EVENTS, app, { iam, invoke });
  events = new EventBridgeClient({ region: REGION, endpoint: running.endpoint, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  events.destroy();
  await running.stop();
});
beforeEach(() => {
  invocations.length = 0;
  fail = false;
});

const put = (entries: Array<Record<string, unknown>>, client = events) =>
  client.send(
    new PutEventsCommand({
      Entries: entries.map((e) => ({ EventBusName: 'orders', Source: 'shop.orders', DetailType: 'Order Placed', Detail: '{}', ...e })),
    }),
  );

describe('PutEvents and delivery', () => {
  test('an event a rule matches reaches its target as EventBridge delivers it; one it does not match reaches none', async () => {
    const answer = await put([
      { Detail: JSON.stringify({ total: 250 }) },
      { Detail: JSON.stringify({ total: 5 }) },
      { Source: 'other.app', Detail: '{"total":900}' },
    ]);
    await running.service.settled();

    expect(answer).toMatchObject({
      FailedEntryCount: 0,
      Entries: [{ EventId: expect.any(String) }, { EventId: expect.any(String) }, { EventId: expect.any(String) }],
    });
    expect(invocations).toEqual([
      {
        functionLogicalId: 'NotifyFn',
        event: {
          version: '0',
          id: answer.Entries![0].EventId,
          'detail-type': 'Order Placed',
          source: 'shop.orders',
          account: ACCOUNT,
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          region: REGION,
          resources: [],
          detail: { total: 250 },
        },
      },
    ]);
  });

  test("a target's input transformer shapes what it receives", async () => {
    await put([{ DetailType: 'Order Shipped', Detail: '{"id":"o-7"}' }]);
    await running.service.settled();
    expect(invocations).toEqual([{ functionLogicalId: 'ShapeFn', event: { shipped: 'o-7', rule: 'Transformed' } }]);
  });

  test('rules match only events of their own bus; a disabled rule and one with an invalid pattern match none', async () => {
    // BigOrders' pattern matches the first, but it is on the orders bus; OnDefault matches the second.
    await put([
      { EventBusName: undefined, Source: 'shop.audit', Detail: '{"total":1000}' },
      { EventBusName: undefined, Source: 'audit', Detail: '{"total":1000}' },
    ]);
    await running.service.settled();
    expect(invocations).toEqual([{ functionLogicalId: 'NotifyFn', event: expect.objectContaining({ source: 'audit' }) }]);
    expect(running.log).toContainEqual(
      expect.stringContaining('rule Broken never matches: its EventPattern is not valid (source must be a list'),
    );
  });

  test('a failing target is logged, and the event still counts as put', async () => {
    fail = true;
    const answer = await put([{ Detail: '{"total":100}' }]);
    await running.service.settled();
    expect(answer.FailedEntryCount).toBe(0);
    expect(running.log).toContainEqual(
      expect.stringMatching(/^EVENTS {5}rule BigOrders -> NotifyFn failed \(Error: target failed; not retried locally\)/),
    );
  });

  test('entries fail one by one with their error codes; an unknown bus is one of them', async () => {
    const answer = await put([{ EventBusName: 'nowhere' }, { Detail: 'not json' }, {}]);
    expect(answer).toMatchObject({
      FailedEntryCount: 2,
      Entries: [
        { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus nowhere does not exist.' },
        { ErrorCode: 'MalformedDetail' },
        { EventId: expect.any(String) },
      ],
    });
  });
});

describe("a rule's target needs the function's resource policy", () => {
  test('without a permission for events.amazonaws.com and the rule, the event is put but not delivered, and the log says why', async () => {
    // GIVEN the target's resource policy denies EventBridge (no AWS::Lambda::Permission for the rule)
    const asked: string[] = [];
    const denying = await startService<LocalEventBridge>(EVENTS, app, {
      iam: {
        ...iam,
        allowsServiceInvoke: (service, functionLogicalId, sourceArn) => {
          asked.push(`${service} ${functionLogicalId} ${sourceArn}`);
          return { allowed: false, denial: 'implicit', message: 'no permission' };
        },
      },
      invoke,
    });
    const client = new EventBridgeClient({ region: REGION, endpoint: denying.endpoint, credentials: LOCAL_CREDENTIALS });
    try {
      // WHEN an event the rule matches is put
      const answer = await put([{ Detail: JSON.stringify({ total: 250 }) }], client);
      await denying.service.settled();
      // THEN it counts as put, reaches no function, and the log names the missing permission
      expect(answer.FailedEntryCount).toBe(0);
      expect(invocations).toEqual([]);
      expect(asked).toEqual([expect.stringMatching(/^events\.amazonaws\.com NotifyFn arn:aws:events:.*:rule\/orders\/BigOrders$/)]);
      expect(denying.log).toContainEqual(
        expect.stringMatching(/^EVENTS {5}rule BigOrders -> NotifyFn not delivered: the function's resource policy/),
      );
    } finally {
      client.destroy();
      await denying.stop();
    }
  });
});

describe('who may put events', () => {
  test("a function's role needs events:PutEvents on the bus: otherwise AccessDeniedException with AWS's text", async () => {
    const producer = new EventBridgeClient({
      region: REGION,
      endpoint: running.endpoint,
      credentials: iam.principals.credentialsOf(PRODUCER.logicalId)!,
    });
    try {
      await expect(put([{ Detail: '{"total":1}' }], producer)).resolves.toMatchObject({ FailedEntryCount: 0 });
      const denied = put([{ EventBusName: 'default' }], producer);
      await expect(denied).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/Shop-ProducerRole/Shop-ProducerFn is not authorized to perform: events:PutEvents on resource: ${BUSES[0].arn} because no identity-based policy allows the events:PutEvents action`,
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      producer.destroy();
    }
  });

  test('an operation it does not implement says which it does', async () => {
    const answer = await fetch(`${running.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.ListRules' },
      body: '{}',
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ __type: 'UnknownOperationException', message: expect.stringContaining('it answers PutEvents') });
  });
});
