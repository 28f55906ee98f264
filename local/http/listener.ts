/**
 * The emulator's one HTTP port, bound before anything is served: its address is known at once
 * (the functions' environment names it), while the gateway that will answer on it is still being
 * built. Requests that arrive before the gateway is attached wait for it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What answers on the port: plain HTTP requests and WebSocket upgrades. */
export interface HttpHandler {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

/** Where the port is. */
export interface BoundAddress {
  /** The address it listens on, as given (e.g. 127.0.0.1, or 0.0.0.0 for every interface). */
  readonly host: string;
  readonly port: number;
  /**
   * `host:port` as programs on this machine reach it: loopback when it listens on every interface,
   * so the functions and the URLs the emulator prints never name a wildcard address.
   */
  readonly hostPort: string;
}

type Held =
  | { readonly upgrade: false; readonly req: IncomingMessage; readonly res: ServerResponse }
  | { readonly upgrade: true; readonly req: IncomingMessage; readonly socket: Socket; readonly head: Buffer };

export class HttpListener {
  private handler?: HttpHandler;
  private held: Held[] = [];

  private constructor(
    private readonly server: Server,
    readonly address: BoundAddress,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.handler) this.handler.handleRequest(req, res);
      else this.held.push({ upgrade: false, req, res });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      if (this.handler) return this.handler.handleUpgrade(req, socket, head);
      socket.on('error', () => undefined); // a client that leaves while it waits is not an emulator error
      this.held.push({ upgrade: true, req, socket, head });
    });
  }

  /** Listens on `host:port` (port 0 picks a free one); rejects when the port cannot be had. */
  static async bind(host: string, port: number): Promise<HttpListener> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = (server.address() as AddressInfo).port;
    return new HttpListener(server, { host, port: bound, hostPort: reachableHostPort(host, bound) });
  }

  /** How many requests wait for a handler. */
  get waiting(): number {
    return this.held.length;
  }

  /** Hands every request, those waiting first, to `handler`. */
  serve(handler: HttpHandler): void {
    if (this.handler) throw new Error('the listener already serves a handler; it serves one');
    this.handler = handler;
    const held = this.held;
    this.held = [];
    for (const h of held) {
      if (h.upgrade) handler.handleUpgrade(h.req, h.socket, h.head);
      else handler.handleRequest(h.req, h.res);
    }
  }

  /** Stops listening and drops every connection still open, waiting ones included. */
  async close(): Promise<void> {
    for (const h of this.held) (h.upgrade ? h.socket : h.req.socket).destroy();
    this.held = [];
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** `host:port` for programs on this machine: loopback for a wildcard address, brackets around IPv6. */
export function reachableHostPort(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
