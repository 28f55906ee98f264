import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type Emulator, startEmulator } from '../../local/emulator';
import { buildWeb } from '../../web/build';
import { appAssembly } from '../support/app-assembly';
import { launchChromium } from '../support/browser';

const ARTIFACTS = path.join(__dirname, '../../test-artifacts');

/** The chat page served by the emulator running the real app, in two real Chromium pages. */
describe('chat page in Chromium', () => {
  let emulator: Emulator;
  let browser: Browser;
  const emulatorLog: string[] = [];

  beforeAll(async () => {
    const webDir = await buildWeb();
    emulator = await startEmulator({ assemblyDir: appAssembly(), port: 0, dynamodbPort: 0, webDir, log: (line) => emulatorLog.push(line) });
    browser = await launchChromium();
    await mkdir(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    // Let the $disconnect handlers finish before the store goes away under them.
    await emulator?.settled();
    await emulator?.stop();
    await writeFile(path.join(ARTIFACTS, 'chat-e2e-emulator.log'), emulatorLog.join('\n'));
  });

  async function openChat(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 560 } });
    page.on('pageerror', (err) => emulatorLog.push(`page error: ${err.message}`));
    await page.goto(`${emulator.httpUrl}/`);
    await page.locator('#status[data-state="open"]').waitFor();
    return page;
  }

  async function join(page: Page, room: string): Promise<void> {
    await page.getByLabel('Room', { exact: true }).fill(room);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('button', { name: `Leave ${room}` }).waitFor();
  }

  test('two pages join a room; one sends, the other shows it with its sender, the sender sees its ack', async () => {
    const alice = await openChat();
    const bob = await openChat();
    await join(alice, 'lobby');
    await join(bob, 'lobby');

    await alice.getByLabel('Message', { exact: true }).fill('Hello from Alice');
    await alice.getByRole('button', { name: 'Send', exact: true }).click();

    const received = bob.locator('#log li.room-message', { hasText: 'Hello from Alice' });
    await received.waitFor();
    expect(await received.locator('.room').textContent()).toBe('#lobby');
    // Each page signed in through the emulator's token endpoint (a guest name); the sender is named by its user id.
    expect(await received.locator('.from').textContent()).toMatch(/^local-guest-[0-9a-f]{6}$/);
    const ack = alice.locator('#log li.ack', { hasText: 'Received: Hello from Alice' });
    await ack.waitFor();
    expect(await ack.textContent()).toContain('delivered to 1');
    expect(await alice.getByRole('alert').isHidden()).toBe(true);

    await alice.screenshot({ path: path.join(ARTIFACTS, 'chat-sender.png') });
    await bob.screenshot({ path: path.join(ARTIFACTS, 'chat-receiver.png') });
  });

  test('when the server drops the page, it shows the reconnect and is back in its room', async () => {
    const connectionIds: string[] = [];
    const onOpen = (connectionId: string): number => connectionIds.push(connectionId);
    emulator.gateway.on('open', onOpen);
    const page = await openChat();
    await join(page, 'games');

    const deleted = await fetch(`${emulator.managementEndpoint}/@connections/${encodeURIComponent(connectionIds[0])}`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(204);
    await page.locator('#log li.system', { hasText: 'Reconnected.' }).waitFor();
    await page.locator('#status[data-state="open"]').waitFor();
    // The rejoin's confirmation: a second "Joined #games." after the reconnect.
    await page.locator('#log li.system', { hasText: 'Joined #games.' }).nth(1).waitFor();
    await page.getByLabel('Message', { exact: true }).fill('still here');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#log li.ack', { hasText: 'Received: still here' }).waitFor();
    emulator.gateway.off('open', onOpen);
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-reconnected.png') });
  });

  test('an error from the server is shown clearly', async () => {
    const page = await openChat();
    // Bypass the page's own checks: a room message to a room we never joined.
    await page.evaluate(() => {
      const target = document.querySelector<HTMLSelectElement>('#target');
      if (!target) throw new Error('no #target');
      target.add(new Option('#nowhere', 'nowhere'));
      target.value = 'nowhere';
    });
    await page.getByLabel('Message', { exact: true }).fill('anyone?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('NOT_IN_ROOM');
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-error.png') });
  });
});
