import { type AddressInfo, createServer } from 'node:net';
import type { ClientEvents, SwitchboardClient } from '../../../client';

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
