import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { HttpListener, reachableHostPort, type HttpHandler } from '../../../local/http/listener';

/** Answers every request with its path, and every upgrade with 418; records the order it saw them. */
function recordingHandler(seen: string[]): HttpHandler {
  return {
    handleRequest(req: IncomingMessage, res: ServerResponse) {
      seen.push(`request ${req.url}`);
      res.end(`served ${req.url}`);
    },
    handleUpgrade(req: IncomingMessage, socket: Socket) {
      seen.push(`upgrade ${req.url}`);
      socket.end("HTTP/1.1 418 I'm a Teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    },
  };
}

/** GETs `path`; resolves with the body. */
function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

/** Resolves once `count` requests wait for a handler. */
async function waiting(listener: HttpListener, count: number): Promise<void> {
  while (listener.waiting < count) await new Promise((resolve) => setImmediate(resolve));
}

describe('HttpListener', () => {
  let listener: HttpListener;
  afterEach(() => listener.close());

  test('port 0 gives a free port, known at once', async () => {
    listener = await HttpListener.bind('127.0.0.1', 0);

    expect(listener.address.port).toBeGreaterThan(0);
    expect(listener.address).toEqual({ host: '127.0.0.1', port: listener.address.port, hostPort: `127.0.0.1:${listener.address.port}` });
  });

  test('requests and upgrades that arrive before a handler is attached wait for it, then are served in order', async () => {
    listener = await HttpListener.bind('127.0.0.1', 0);
    const { port } = listener.address;
    const seen: string[] = [];

    const first = get(port, '/first');
    const upgrade = new Promise<number>((resolve) => {
      new WebSocket(`ws://127.0.0.1:${port}/stage`)
        .on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        .on('error', () => undefined);
    });
    await waiting(listener, 2);
    listener.serve(recordingHandler(seen));

    await expect(first).resolves.toBe('served /first');
    await expect(upgrade).resolves.toBe(418);
    await expect(get(port, '/later')).resolves.toBe('served /later');
    expect(seen).toEqual(['request /first', 'upgrade /stage', 'request /later']);
    expect(listener.waiting).toBe(0);
  });

  test('one handler only', async () => {
    listener = await HttpListener.bind('127.0.0.1', 0);
    listener.serve(recordingHandler([]));

    expect(() => listener.serve(recordingHandler([]))).toThrow('the listener already serves a handler');
  });

  test('close drops the requests still waiting and frees the port', async () => {
    listener = await HttpListener.bind('127.0.0.1', 0);
    const { port } = listener.address;
    const held = get(port, '/never');
    await waiting(listener, 1);

    await listener.close();

    await expect(held).rejects.toThrow('socket hang up');
    const again = await HttpListener.bind('127.0.0.1', port);
    await again.close();
  });

  test('a port in use is refused when binding', async () => {
    listener = await HttpListener.bind('127.0.0.1', 0);

    await expect(HttpListener.bind('127.0.0.1', listener.address.port)).rejects.toThrow('EADDRINUSE');
  });
});

describe('reachableHostPort', () => {
  test('a wildcard address is reached over loopback; an IPv6 address in brackets', () => {
    expect(reachableHostPort('0.0.0.0', 3001)).toBe('127.0.0.1:3001');
    expect(reachableHostPort('::', 3001)).toBe('127.0.0.1:3001');
    expect(reachableHostPort('::1', 3001)).toBe('[::1]:3001');
    expect(reachableHostPort('127.0.0.1', 3001)).toBe('127.0.0.1:3001');
  });
});
