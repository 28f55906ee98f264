import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from 'aws-lambda';
import type * as Telemetry from '../../lambda/core/telemetry';

/**
 * The handlers' log context is applied when an invocation first logs, not when it starts
 * (lambda/core/telemetry.ts). Each line must still carry its own invocation's request id and keys,
 * none of an earlier one's, and only the first invocation may be the cold start.
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

/** Loads telemetry afresh (its state is per execution environment) under `env`, and captures its log lines. */
async function freshTelemetry(env: Record<string, string> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  let telemetry!: typeof Telemetry;
  const saved = process.env;
  // Powertools reads some of these on every call, so they stay set until restore().
  process.env = { ...saved, POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_DEV: 'false', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', ...env };
  await jest.isolateModulesAsync(async () => {
    telemetry = await import('../../lambda/core/telemetry');
  });
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  // Powertools writes WARN and ERROR to stderr, the rest to stdout.
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  return {
    telemetry,
    lines,
    restore: () => {
      for (const spy of spies) spy.mockRestore();
      process.env = saved;
    },
  };
}

describe('handler log context', () => {
  it('gives each line its own invocation’s request id and keys, even when earlier invocations logged nothing', async () => {
    const { telemetry, lines, restore } = await freshTelemetry();
    try {
      const { beginInvocationLog, logger } = telemetry;
      beginInvocationLog(lambdaContext('req-1'), { connectionId: 'conn-1', routeKey: 'message' });
      logger.info('first');
      beginInvocationLog(lambdaContext('req-2'), { connectionId: 'conn-2', routeKey: 'message', room: 'lobby' });
      beginInvocationLog(lambdaContext('req-3'), { connectionId: 'conn-3', routeKey: 'join' });
      logger.warn('third', { extra: 1 });
      logger.error('third again');
      beginInvocationLog(lambdaContext('req-4'), { connectionId: 'conn-4', routeKey: 'message' });
      logger.debug('fourth');

      expect(lines.map((l) => [l.message, l.function_request_id, l.connectionId, l.routeKey, l.cold_start])).toEqual([
        ['first', 'req-1', 'conn-1', 'message', true],
        ['third', 'req-3', 'conn-3', 'join', false],
        ['third again', 'req-3', 'conn-3', 'join', false],
        ['fourth', 'req-4', 'conn-4', 'message', false],
      ]);
      expect(lines[1].extra).toBe(1);
      // req-2's key never reaches a later invocation's line.
      expect(lines.some((l) => 'room' in l)).toBe(false);
    } finally {
      restore();
    }
  });

  it('marks only the first invocation the cold start even when it logs nothing', async () => {
    const { telemetry, lines, restore } = await freshTelemetry();
    try {
      telemetry.beginInvocationLog(lambdaContext('req-1'), {});
      telemetry.beginInvocationLog(lambdaContext('req-2'), {});
      telemetry.logger.info('second');
      expect(lines).toEqual([expect.objectContaining({ message: 'second', function_request_id: 'req-2', cold_start: false })]);
    } finally {
      restore();
    }
  });

  it('keeps concurrent invocations’ contexts apart (Lambda Managed Instances: AWS_LAMBDA_MAX_CONCURRENCY)', async () => {
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
    const { telemetry, lines, restore } = await freshTelemetry({ AWS_LAMBDA_MAX_CONCURRENCY: '4' });
    try {
      const { beginInvocationLog, logger } = telemetry;
      const invocation = (requestId: string, body: () => Promise<void>) =>
        store.run({ requestId }, async () => {
          beginInvocationLog(lambdaContext(requestId), { connectionId: `conn-${requestId}` });
          await body();
        });
      await invocation('req-0', async () => logger.info('zero'));
      let releaseA!: () => void;
      const aWaits = new Promise<void>((resolve) => (releaseA = resolve));
      const a = invocation('req-a', async () => {
        await aWaits;
        logger.info('a, after b started and logged');
      });
      await invocation('req-b', async () => logger.info('b'));
      releaseA();
      await a;
      expect(lines.map((l) => [l.message, l.function_request_id, l.connectionId])).toEqual([
        ['zero', 'req-0', 'conn-req-0'],
        ['b', 'req-b', 'conn-req-b'],
        ['a, after b started and logged', 'req-a', 'conn-req-a'],
      ]);
    } finally {
      restore();
      delete (globalThis as { awslambda?: object }).awslambda;
    }
  });
});

describe('handler metrics', () => {
  it('publishes each invocation’s counts when it ends, and nothing for an invocation that counted nothing', async () => {
    const { telemetry, lines, restore } = await freshTelemetry({ POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT' });
    try {
      const { count, withInvocationTelemetry } = telemetry;
      const { METRIC } = await import('../../contract/metrics');
      await withInvocationTelemetry(lambdaContext('req-1'), {}, 'failed', async () => count(METRIC.roomMessages, 2));
      // One that counted nothing does not even ask Powertools (which reads the environment to answer).
      const asked = jest.spyOn(telemetry.metrics, 'hasStoredMetrics');
      await withInvocationTelemetry(lambdaContext('req-2'), {}, 'failed', async () => undefined);
      expect(asked).not.toHaveBeenCalled();
      asked.mockRestore();
      await withInvocationTelemetry(lambdaContext('req-3'), {}, 'failed', async () => count(METRIC.framesRejected));
      await expect(
        withInvocationTelemetry(lambdaContext('req-4'), {}, 'failed', async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const emf = lines.filter((l) => '_aws' in l);
      expect(emf.map((l) => [l[METRIC.roomMessages], l[METRIC.framesRejected], l[METRIC.errors]])).toEqual([
        [2, undefined, undefined],
        [undefined, 1, undefined],
        [undefined, undefined, 1],
      ]);
    } finally {
      restore();
    }
  });
});
