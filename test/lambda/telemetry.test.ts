import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from 'aws-lambda';
import { METRIC } from '../../contract/metrics';
import { broadcastCounter, count, createTelemetry, withTelemetry, type Telemetry } from '../../lambda/core/telemetry';

/**
 * The handlers' telemetry (lambda/core/telemetry.ts): Powertools' Logger and Metrics through their
 * Middy middleware. Each line carries its own invocation's context and keys, none of an earlier
 * one's; only the first invocation is the cold start; metrics go out when each invocation ends;
 * an unexpected error is logged, counted and rethrown.
 */
function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'switchboard-message',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:switchboard-message',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/switchboard-message',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 3000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * A function's telemetry, made (as at cold start) under `env`, which Powertools reads when the
 * Logger and Metrics are made and on some calls, so it stays set until restore(); and every line
 * written meanwhile.
 */
function capturedTelemetry(env: Record<string, string> = {}): {
  telemetry: Telemetry;
  lines: Array<Record<string, unknown>>;
  restore: () => void;
} {
  const lines: Array<Record<string, unknown>> = [];
  const saved = process.env;
  process.env = {
    ...saved,
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_METRICS_DISABLED: 'false',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    ...env,
  };
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  // Powertools writes WARN and ERROR to stderr, the rest (EMF included) to stdout.
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  return {
    telemetry: createTelemetry(),
    lines,
    restore: () => {
      for (const spy of spies) spy.mockRestore();
      process.env = saved;
    },
  };
}

/** What the test handler does in one invocation. */
interface Step {
  readonly id: string;
  /** A line it logs, at INFO. */
  readonly say?: string;
  /** A key it adds for the rest of the invocation. */
  readonly room?: string;
  /** Metrics it counts. */
  readonly roomMessages?: number;
  readonly fail?: Error;
}

/** A handler as the route handlers are made: it logs, counts and fails as each event says. */
function testHandler({ logger, metrics }: Telemetry, expected?: (err: unknown) => boolean) {
  const handler = async (step: Step): Promise<string> => {
    if (step.room !== undefined) logger.appendKeys({ room: step.room });
    if (step.say !== undefined) logger.info(step.say, { extra: step.id });
    if (step.roomMessages !== undefined) count(metrics, METRIC.roomMessages, step.roomMessages);
    if (step.fail) throw step.fail;
    return `done ${step.id}`;
  };
  return withTelemetry(
    handler,
    { logger, metrics },
    { logKeys: (step) => ({ connectionId: `conn-${step.id}` }), failure: 'Test handler failed', expected },
  );
}

const logLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => !('_aws' in l));
const emfLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => '_aws' in l);

describe('handler log context', () => {
  it('gives each line its own invocation’s request id and keys, none of an earlier one’s, and marks only the first the cold start', async () => {
    const { telemetry, lines, restore } = capturedTelemetry({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    try {
      const handler = testHandler(telemetry);
      await expect(handler({ id: '1', say: 'first' }, lambdaContext('req-1'))).resolves.toBe('done 1');
      await handler({ id: '2', room: 'lobby' }, lambdaContext('req-2'));
      await handler({ id: '3', say: 'third' }, lambdaContext('req-3'));
      await handler({ id: '4', room: 'lobby', say: 'fourth' }, lambdaContext('req-4'));
      expect(lines.map((l) => [l.message, l.function_request_id, l.connectionId, l.room, l.cold_start, l.extra])).toEqual([
        ['first', 'req-1', 'conn-1', undefined, true, '1'],
        ['third', 'req-3', 'conn-3', undefined, false, '3'],
        ['fourth', 'req-4', 'conn-4', 'lobby', false, '4'],
      ]);
    } finally {
      restore();
    }
  });

  it('marks only the first invocation the cold start even when it logs nothing', async () => {
    const { telemetry, lines, restore } = capturedTelemetry({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    try {
      const handler = testHandler(telemetry);
      await handler({ id: '1' }, lambdaContext('req-1'));
      await handler({ id: '2', say: 'second' }, lambdaContext('req-2'));
      expect(lines).toEqual([expect.objectContaining({ message: 'second', function_request_id: 'req-2', cold_start: false })]);
    } finally {
      restore();
    }
  });

  it('keeps concurrent invocations’ keys apart (Lambda Managed Instances: AWS_LAMBDA_MAX_CONCURRENCY)', async () => {
    // The Lambda runtime's store for concurrent invocations, as @aws/lambda-invoke-store's
    // InvokeStoreMulti makes it (its own factory needs a dynamic import, which jest's VM refuses).
    // Powertools keeps each invocation's log keys in it.
    const als = new AsyncLocalStorage<Record<string | symbol, unknown>>();
    const store = {
      getContext: () => als.getStore(),
      hasContext: () => als.getStore() !== undefined,
      get: (key: string | symbol) => als.getStore()?.[key],
      set: (key: string | symbol, value: unknown) => {
        als.getStore()![key] = value;
      },
      run: <T>(context: Record<string | symbol, unknown>, fn: () => T) => als.run(context, fn),
      getRequestId: () => als.getStore()?.requestId ?? '-',
      getXRayTraceId: () => undefined,
      getTenantId: () => undefined,
    };
    (globalThis as { awslambda?: object }).awslambda = { InvokeStore: store };
    const { telemetry, lines, restore } = capturedTelemetry({ AWS_LAMBDA_MAX_CONCURRENCY: '4', POWERTOOLS_LOG_LEVEL: 'INFO' });
    try {
      const { logger } = telemetry;
      let releaseA!: () => void;
      const aWaits = new Promise<void>((resolve) => (releaseA = resolve));
      const handler = withTelemetry(
        async (event: { id: string; wait?: boolean }) => {
          if (event.wait) await aWaits;
          logger.info(`line ${event.id}`);
        },
        telemetry,
        { logKeys: (event) => ({ connectionId: `conn-${event.id}` }), failure: 'failed' },
      );
      const invoke = (id: string, wait = false) =>
        store.run({ requestId: `req-${id}` }, () => handler({ id, wait }, lambdaContext(`req-${id}`)));
      await invoke('0');
      const a = invoke('a', true);
      await invoke('b');
      releaseA();
      await a;
      expect(lines.map((l) => [l.message, l.function_request_id, l.connectionId])).toEqual([
        ['line 0', 'req-0', 'conn-0'],
        ['line b', 'req-b', 'conn-b'],
        ['line a', 'req-a', 'conn-a'],
      ]);
    } finally {
      restore();
      delete (globalThis as { awslambda?: object }).awslambda;
    }
  });
});

describe('handler metrics and errors', () => {
  it('publishes each invocation’s counts when it ends, and writes nothing at INFO for one that counted nothing', async () => {
    const { telemetry, lines, restore } = capturedTelemetry({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    try {
      const handler = testHandler(telemetry);
      await handler({ id: '1', roomMessages: 2 }, lambdaContext('req-1'));
      await handler({ id: '2' }, lambdaContext('req-2'));
      expect(lines).toHaveLength(1);
      await handler({ id: '3', roomMessages: 1 }, lambdaContext('req-3'));
      expect(emfLines(lines).map((l) => [l[METRIC.roomMessages], l.service])).toEqual([
        [2, 'switchboard'],
        [1, 'switchboard'],
      ]);
      expect(emfLines(lines)[0]._aws).toMatchObject({ CloudWatchMetrics: [{ Namespace: 'Switchboard', Dimensions: [['service']] }] });
      expect(logLines(lines)).toEqual([]);
    } finally {
      restore();
    }
  });

  it('an invocation that counted nothing prints nothing, even at DEBUG: no empty metrics document, no notice', async () => {
    const { telemetry, lines, restore } = capturedTelemetry({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
    try {
      await testHandler(telemetry)({ id: '1' }, lambdaContext('req-1'));
      expect(lines).toEqual([]);
    } finally {
      restore();
    }
  });

  it('logs an unexpected error with the invocation’s keys, counts it with what the invocation counted, and rethrows it', async () => {
    const { telemetry, lines, restore } = capturedTelemetry({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    try {
      const handler = testHandler(telemetry);
      await expect(handler({ id: '1', roomMessages: 1, fail: new Error('boom') }, lambdaContext('req-1'))).rejects.toThrow('boom');
      expect(logLines(lines)).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          message: 'Test handler failed',
          function_request_id: 'req-1',
          connectionId: 'conn-1',
          error: expect.objectContaining({ message: 'boom' }),
        }),
      ]);
      expect(emfLines(lines).map((l) => [l[METRIC.roomMessages], l[METRIC.errors]])).toEqual([[1, 1]]);
      // The next invocation starts clean: no key and no metric of the failed one.
      await handler({ id: '2', say: 'next' }, lambdaContext('req-2'));
      expect(lines.at(-1)).toMatchObject({ message: 'next', connectionId: 'conn-2' });
      expect(emfLines(lines)).toHaveLength(1);
    } finally {
      restore();
    }
  });

  it('rethrows an error the handler throws on purpose without logging or counting it', async () => {
    const { telemetry, lines, restore } = capturedTelemetry({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    try {
      class Refusal extends Error {}
      const handler = testHandler(telemetry, (err) => err instanceof Refusal);
      await expect(handler({ id: '1', fail: new Refusal('no') }, lambdaContext('req-1'))).rejects.toBeInstanceOf(Refusal);
      expect(lines).toEqual([]);
    } finally {
      restore();
    }
  });

  it('counts a broadcast’s deliveries, failures and prunes, and nothing that is 0', () => {
    const addMetric = jest.fn();
    broadcastCounter({ addMetric })({ delivered: 3, failed: 0, pruned: 1, expired: 2, skipped: 0 });
    expect(addMetric.mock.calls).toEqual([
      [METRIC.fanoutDeliveries, 'Count', 3],
      [METRIC.stalePruned, 'Count', 1],
    ]);
  });
});
