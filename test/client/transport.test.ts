import WebSocket from 'ws';
import { platformWebSocket, urlWithToken } from '../../client/transport';

describe('urlWithToken', () => {
  test('adds the token as a query parameter, keeping the stage path and other parameters', () => {
    expect(urlWithToken('ws://127.0.0.1:4000/dev', 'a b+c')).toBe('ws://127.0.0.1:4000/dev?token=a+b%2Bc');
    expect(urlWithToken('wss://x.example/prod?v=1', 't')).toBe('wss://x.example/prod?v=1&token=t');
  });

  test('leaves the URL alone without a token', () => {
    expect(urlWithToken('ws://127.0.0.1:4000/dev', undefined)).toBe('ws://127.0.0.1:4000/dev');
  });
});

describe('platformWebSocket', () => {
  const original = (globalThis as { WebSocket?: unknown }).WebSocket;
  afterEach(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = original;
  });

  test('prefers the global WebSocket', () => {
    class FakeSocket {}
    (globalThis as { WebSocket?: unknown }).WebSocket = FakeSocket;
    expect(platformWebSocket()).toBe(FakeSocket);
  });

  test('falls back to ws without one', () => {
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
    expect(platformWebSocket()).toBe(WebSocket);
  });
});
