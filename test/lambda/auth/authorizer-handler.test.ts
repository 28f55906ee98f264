import type { Context } from 'aws-lambda';
import { METRIC } from '../../../contract/metrics';
import { UnauthorizedError, type ConnectAuthorizerEvent } from '../../../lambda/core/auth/authorize';
import { KeyFetchError } from '../../../lambda/core/auth/issuer-keys';
import type { TokenVerifier } from '../../../lambda/core/auth/jwt-verifier';
import { createTelemetry } from '../../../lambda/core/telemetry';
import { makeHandler } from '../../../lambda/handlers/authorizer';

/** The authorizer's handler around authorizeConnect (authorizer.test.ts): what it logs and counts when a connect fails. */
const context = { functionName: 'authorizer', awsRequestId: 'req', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const event = (token?: string): ConnectAuthorizerEvent => ({
  type: 'REQUEST',
  methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/dev/$connect',
  queryStringParameters: token === undefined ? undefined : { token },
  requestContext: { connectionId: 'C1', requestId: 'R1' },
});

function authorizerWith(verify: TokenVerifier['verify']) {
  const telemetry = createTelemetry();
  const logged = jest.spyOn(telemetry.logger, 'error');
  const counted = jest.spyOn(telemetry.metrics, 'addMetric');
  return { handler: makeHandler({ verifier: { verify }, telemetry }), logged, counted };
}

describe('the $connect authorizer handler', () => {
  it('answers a connect without a token with Unauthorized (401), logging no failure', async () => {
    const { handler, logged, counted } = authorizerWith(async () => ({ ok: false, reason: 'never asked' }));
    await expect(handler(event(), context)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(logged).not.toHaveBeenCalled();
    expect(counted).not.toHaveBeenCalledWith(METRIC.errors, expect.anything(), expect.anything());
  });

  it('leaves a key fetch failure to authorizeConnect, which logs and counts it as such', async () => {
    const { handler, logged, counted } = authorizerWith(async () => {
      throw new KeyFetchError('timeout', 'no answer within 5000 ms');
    });
    await expect(handler(event('t'), context)).rejects.toBeInstanceOf(KeyFetchError);
    expect(logged.mock.calls.map(([message]) => message)).toEqual(["Connection failed: the issuer's signing keys could not be fetched"]);
    expect(counted.mock.calls.map(([name]) => name)).toEqual([METRIC.authorizerKeyFetchFailures]);
  });

  it('logs and counts any other failure before rethrowing it (API Gateway answers 500)', async () => {
    const { handler, logged, counted } = authorizerWith(async () => {
      throw new Error('verifier bug');
    });
    await expect(handler(event('t'), context)).rejects.toThrow('verifier bug');
    expect(logged).toHaveBeenCalledWith('Authorizer failed', expect.objectContaining({ message: 'verifier bug' }));
    expect(counted.mock.calls.map(([name]) => name)).toEqual([METRIC.errors]);
  });
});
