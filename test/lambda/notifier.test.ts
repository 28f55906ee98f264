import {
  ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Notifier, POST_ATTEMPTS } from '../../lambda/core/notifier';

const api = mockClient(ApiGatewayManagementApiClient);
const notifier = new Notifier(new ApiGatewayManagementApiClient({ endpoint: 'http://127.0.0.1:1' }), {
  retry: { sleep: async () => undefined },
});
const gone = () => new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } });

beforeEach(() => api.reset());

describe('Notifier', () => {
  it('posts the frame as JSON to the connection', async () => {
    api.on(PostToConnectionCommand).resolves({});
    await expect(notifier.post('abc=', { event: 'pong' })).resolves.toBe('sent');
    expect(api).toHaveReceivedCommandWith(PostToConnectionCommand, { ConnectionId: 'abc=', Data: '{"event":"pong"}' });
  });

  it('says gone on 410 without retrying', async () => {
    api.on(PostToConnectionCommand).rejects(gone());
    await expect(notifier.post('abc=', '{}')).resolves.toBe('gone');
    expect(api).toHaveReceivedCommandTimes(PostToConnectionCommand, 1);
  });

  it('retries throttling and 5xx, then succeeds', async () => {
    const serverError = Object.assign(new Error('boom'), { name: 'InternalServerErrorException', $metadata: { httpStatusCode: 500 } });
    api
      .on(PostToConnectionCommand)
      .rejectsOnce(new LimitExceededException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }))
      .rejectsOnce(serverError)
      .resolves({});
    await expect(notifier.post('abc=', '{}')).resolves.toBe('sent');
    expect(api).toHaveReceivedCommandTimes(PostToConnectionCommand, 3);
  });

  it('throws a non-transient error at once', async () => {
    api.on(PostToConnectionCommand).rejects(new ForbiddenException({ message: 'no', $metadata: { httpStatusCode: 403 } }));
    await expect(notifier.post('abc=', '{}')).rejects.toThrow('no');
    expect(api).toHaveReceivedCommandTimes(PostToConnectionCommand, 1);
  });

  it('throws when throttling outlasts the attempts', async () => {
    api.on(PostToConnectionCommand).rejects(new LimitExceededException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }));
    await expect(notifier.post('abc=', '{}')).rejects.toThrow('slow down');
    expect(api).toHaveReceivedCommandTimes(PostToConnectionCommand, POST_ATTEMPTS);
  });
});
