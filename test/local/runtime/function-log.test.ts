import { functionLogLine, summarizeEmf } from '../../../local/runtime/function-log';

describe('summarizeEmf', () => {
  it('shortens a Powertools EMF line to its metrics', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          {
            Namespace: 'Switchboard',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'Messages', Unit: 'Count' },
              { Name: 'FanoutDeliveries', Unit: 'Count' },
            ],
          },
        ],
      },
      service: 'switchboard',
      Messages: 1,
      FanoutDeliveries: 3,
    });
    expect(summarizeEmf(line)).toBe('metrics (Switchboard): Messages=1 FanoutDeliveries=3');
  });

  it('leaves other lines alone', () => {
    expect(summarizeEmf('{"level":"INFO","message":"Connection opened"}')).toBeUndefined();
    expect(summarizeEmf('{"_aws": not json')).toBeUndefined();
  });
});

describe('functionLogLine', () => {
  it("indents a line under the function's logical id, an EMF line as its summary", () => {
    const emf = JSON.stringify({ _aws: { CloudWatchMetrics: [{ Namespace: 'Hand', Metrics: [{ Name: 'Echoes' }] }] }, Echoes: 2 });

    expect(functionLogLine('EchoFn', 'handled hi')).toBe('  [EchoFn] handled hi');
    expect(functionLogLine('EchoFn', emf)).toBe('  [EchoFn] metrics (Hand): Echoes=2');
  });
});
