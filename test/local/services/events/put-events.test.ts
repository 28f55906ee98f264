/** PutEvents as EventBridge checks it: the whole request, then each entry on its own. */
import { AwsJsonError } from '../../../../local/services/json-protocol';
import { checkPutEvents, entrySize, PUT_EVENTS_LIMITS } from '../../../../local/services/events/put-events';

const ACCOUNT = {
  accountId: '111122223333',
  region: 'eu-west-1',
  eventBuses: [
    { name: 'default', arn: 'arn:aws:events:eu-west-1:111122223333:event-bus/default' },
    { logicalId: 'Orders', name: 'orders', arn: 'arn:aws:events:eu-west-1:111122223333:event-bus/orders' },
  ],
};
const NOW = Date.UTC(2026, 0, 29, 10, 0, 0, 123);
const entry = (extra: Record<string, unknown> = {}) => ({
  Source: 'shop.orders',
  DetailType: 'Order Placed',
  Detail: '{"id":42}',
  ...extra,
});

describe('checkPutEvents', () => {
  test('accepts entries to the default bus and to a bus by name or ARN, as events shaped as EventBridge delivers them', () => {
    const checked = checkPutEvents(
      {
        Entries: [
          entry(),
          entry({ EventBusName: 'orders', Resources: ['r1'] }),
          entry({ EventBusName: ACCOUNT.eventBuses[1].arn, Time: 1767225600 }),
        ],
      },
      ACCOUNT,
      NOW,
    );
    expect(checked.results).toEqual([{ EventId: expect.any(String) }, { EventId: expect.any(String) }, { EventId: expect.any(String) }]);
    expect(checked.accepted.map((a) => a.bus.name)).toEqual(['default', 'orders', 'orders']);
    expect(checked.buses.map((b) => b.name)).toEqual(['default', 'orders']);
    expect(checked.accepted[1].event).toEqual({
      version: '0',
      id: (checked.results[1] as { EventId: string }).EventId,
      'detail-type': 'Order Placed',
      source: 'shop.orders',
      account: '111122223333',
      time: '2026-01-29T10:00:00Z',
      region: 'eu-west-1',
      resources: ['r1'],
      detail: { id: 42 },
    });
    expect(checked.accepted[2].event.time).toBe('2026-01-01T00:00:00Z');
  });

  test("fails an entry on its own, with EventBridge's error codes, and keeps the others", () => {
    const checked = checkPutEvents(
      {
        Entries: [
          entry({ Source: undefined }),
          entry({ DetailType: '' }),
          entry({ Detail: '{not json' }),
          entry({ Detail: '[1,2]' }),
          entry({ Source: 'aws.ec2' }),
          entry({ EventBusName: 'nowhere' }),
          entry(),
        ],
      },
      ACCOUNT,
      NOW,
    );
    expect(checked.results).toEqual([
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus nowhere does not exist.' },
      { EventId: expect.any(String) },
    ]);
    expect(checked.accepted).toHaveLength(1);
  });

  test('refuses a request of no entries, of more than 10, or over 1 MB in all, as a whole', () => {
    const check = (entries: unknown[]) => () => checkPutEvents({ Entries: entries }, ACCOUNT, NOW);
    expect(check([])).toThrow(AwsJsonError);
    expect(check([])).toThrow('greater than or equal to 1');
    const eleven = Array.from({ length: PUT_EVENTS_LIMITS.entries + 1 }, () => entry());
    expect(check(eleven)).toThrow(AwsJsonError);
    expect(check(eleven)).toThrow('less than or equal to 10');
    const half = `{"pad":"${'x'.repeat(PUT_EVENTS_LIMITS.requestBytes / 2)}"}`;
    expect(check([entry({ Detail: half }), entry({ Detail: half })])).toThrow('Total size of the entries in the request is over the limit');
    // One entry just under the limit is accepted.
    const fits = `{"pad":"${'x'.repeat(PUT_EVENTS_LIMITS.requestBytes - 100)}"}`;
    expect(checkPutEvents({ Entries: [entry({ Detail: fits })] }, ACCOUNT, NOW).accepted).toHaveLength(1);
  });
});

describe('entrySize', () => {
  test('counts Source, DetailType, Detail and Resources in UTF-8, and 14 bytes for a Time', () => {
    expect(entrySize({ Source: 'ab', DetailType: 'é', Detail: '{}', Resources: ['xyz'] })).toBe(2 + 2 + 2 + 3);
    expect(entrySize({ Source: 'ab', Time: 1 })).toBe(16);
  });
});
