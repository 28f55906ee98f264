import { type AddressInfo, createServer } from 'node:net';
import { type ClientEvents, type ConnectOptions, type SwitchboardClient, connect } from '../../../client';

/** The client's next `event`. */
export function next<K extends keyof ClientEvents>(client: SwitchboardClient, event: K): Promise<ClientEvents[K]> {
  return new Promise((resolve) => client.once(event, resolve));
}

/** A loopback port nothing listens on (bound, then released): connecting to it is refused. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The clients a test file connects: each with the file's defaults (its clock, no jitter...) unless
 * a test overrides them, and all closed by closeAll() after each test.
 */
export class TestClients {
  private readonly connected: SwitchboardClient[] = [];

  constructor(
    private readonly url: () => string,
    private readonly defaults: () => ConnectOptions,
  ) {}

  /** Connects to the file's URL, or to `url`. */
  connect(options: ConnectOptions = {}, url = this.url()): SwitchboardClient {
    const client = connect(url, { ...this.defaults(), ...options });
    this.connected.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.connected.splice(0).map((client) => client.close()));
  }
}
