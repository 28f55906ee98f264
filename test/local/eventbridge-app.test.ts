/**
 * An app that answers its clients through EventBridge (test/local/fixtures/eventbridge-app.ts), run
 * unchanged through the real CLI with real ws clients: a route puts an event with a default
 * EventBridgeClient, a rule with prefix and numeric matching delivers big orders to a function
 * that posts to the connection through @connections; small orders reach no one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCli, type CliProcess } from './cli-process';
import { EVENTBRIDGE_APP, writeEventBridgeApp } from './fixtures/eventbridge-app';
import { connect } from './helpers';

let tmp: string;
let cli: CliProcess;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-eventbridge-app-'));
  cli = await startCli(['--assembly', writeEventBridgeApp(tmp), '--port', '0']);
});
afterAll(async () => {
  await cli?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('the banner names the local EventBridge and the rule', () => {
  expect(cli.serviceEndpoint('events')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(cli.banner).toMatch(/Rule\s+Shop-BigOrders on bus orders-bus -> NotifyFn/);
});

test("a big order reaches the rule's function, which posts to the connection; a small one reaches no function", async () => {
  const client = await connect(cli.url);
  // GIVEN an order the pattern does not match (total under the threshold), put on the bus first
  client.ws.send(JSON.stringify({ action: 'order', total: EVENTBRIDGE_APP.threshold - 1 }));
  expect(await client.nextJson()).toEqual({ event: 'order-accepted', total: 99, failed: 0 });
  // WHEN one it matches follows
  client.ws.send(JSON.stringify({ action: 'order', total: 250 }));
  expect(await client.nextJson()).toEqual({ event: 'order-accepted', total: 250, failed: 0 });

  // THEN the notice for it arrives, in the shape EventBridge delivered the event
  expect(await client.nextJson()).toEqual({
    event: 'order-notice',
    total: 250,
    source: 'shop.orders',
    detailType: 'Order Placed',
    account: '123456789012',
  });
  client.ws.close();
  await client.closed;

  // AND once the emulator has stopped (it finishes every delivery first), it delivered that one event and no other
  expect(await cli.stop()).toBe(0);
  const deliveries = cli
    .stdout()
    .split('\n')
    .filter((line) => /^EVENTS {5}rule /.test(line));
  expect(deliveries).toEqual([expect.stringMatching(/^EVENTS {5}rule Shop-BigOrders -> NotifyFn ok [\d.]+ms$/)]);
  expect(cli.stdout()).toContain('EVENTS     PutEvents 200 (1 accepted)');
});
