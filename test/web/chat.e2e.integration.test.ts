import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type Emulator, startEmulator } from '../../local/emulator';
import { DEFAULT_BACKOFF } from '../../client/backoff';
import { localSubject } from '../../local/issuer/issuer';
import { LOCAL_PASSWORD, ROOM_NAME } from '../../protocol';
import { buildWeb } from '../../web/build';
import { appAssembly } from '../support/app-assembly';
import { launchChromium } from '../support/browser';

const ARTIFACTS = path.join(__dirname, '../../test-artifacts');

/**
 * How long a page may take to be back once its server is: its client retries with full-jitter
 * backoff, so the next attempt may be up to the longest delay away, then the rejoin's functions
 * may start cold on a busy machine.
 */
const BACK_WITHIN_MS = DEFAULT_BACKOFF.maxDelayMs + 20_000;
// Each test signs users in, joins, and waits for at least one reconnect: minutes on a loaded machine.
jest.setTimeout(3 * BACK_WITHIN_MS);

/** The test's handle on a page's WebSockets, installed before the page's own script runs. */
interface PageNetwork {
  /** While true, new connections go to a port nothing listens on, so they fail as against a server that is down. */
  blocked: boolean;
  sockets: WebSocket[];
}
declare global {
  interface Window {
    pageNetwork?: PageNetwork;
  }
}

/** A loopback port with nothing listening on it (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The chat page served by the emulator running the real app, in real Chromium pages that sign in
 * through the page's own form (the emulator's Cognito-compatible InitiateAuth).
 */
describe('chat page in Chromium', () => {
  let emulator: Emulator;
  let browser: Browser;
  let deadPort: number;
  const emulatorLog: string[] = [];

  beforeAll(async () => {
    const webDir = await buildWeb();
    emulator = await startEmulator({ assemblyDir: appAssembly(), port: 0, dynamodbPort: 0, webDir, log: (line) => emulatorLog.push(line) });
    browser = await launchChromium();
    deadPort = await closedPort();
    await mkdir(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    // Let the $disconnect handlers finish before the store goes away under them.
    await emulator?.settled();
    await emulator?.stop();
    await writeFile(path.join(ARTIFACTS, 'chat-e2e-emulator.log'), emulatorLog.join('\n'));
  });

  /** Opens the page; it shows its sign-in form. */
  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    page.on('pageerror', (err) => emulatorLog.push(`page error: ${err.message}`));
    // Every WebSocket the page makes is a real one; the test can close it and make the next attempts fail.
    await page.addInitScript((port: number) => {
      const Native = window.WebSocket;
      const network: PageNetwork = { blocked: false, sockets: [] };
      window.pageNetwork = network;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(network.blocked ? `ws://127.0.0.1:${port}/` : url, protocols);
          network.sockets.push(this);
        }
      };
    }, deadPort);
    await page.goto(`${emulator.httpUrl}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    return page;
  }

  /** Signs in through the form with the emulator's local password, and waits for the connection. */
  async function signIn(page: Page, user: string, password = LOCAL_PASSWORD): Promise<void> {
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function openChat(user: string): Promise<Page> {
    const page = await openPage();
    await signIn(page, user);
    await page.locator('#status[data-state="open"]').waitFor();
    return page;
  }

  async function join(page: Page, room: string): Promise<void> {
    await page.getByLabel('Room', { exact: true }).fill(room);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('button', { name: `Leave ${room}` }).waitFor();
  }

  async function send(page: Page, room: string, text: string): Promise<void> {
    await page.getByLabel('To', { exact: true }).selectOption(room);
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
  }

  /** The texts of a room's lines in a page's log, top to bottom. */
  async function roomLines(page: Page, room: string): Promise<string[]> {
    return page.locator(`#log li[data-room="${room}"] .text`).allTextContents();
  }

  /**
   * Leaves the page, as closing its tab would: its WebSocket closes. Not page.close(): the
   * @sparticuz/chromium build runs single-process, and closing a page's context can end the browser.
   */
  async function closeTab(...pages: Page[]): Promise<void> {
    await Promise.all(pages.map((page) => page.goto('about:blank')));
  }

  function members(page: Page, room: string) {
    return page.getByRole('list', { name: `Members of ${room}` });
  }

  test('two people sign in through the form, see who they are and each other, and chat; own lines read "you"', async () => {
    const alice = await openPage();
    // A wrong password is refused by the (local) Cognito InitiateAuth, and the form says why.
    await signIn(alice, 'alice', 'not-the-password');
    await alice.getByText('NotAuthorizedException: Incorrect username or password.').waitFor();
    await alice.screenshot({ path: path.join(ARTIFACTS, 'chat-sign-in.png') });
    await signIn(alice, 'alice');
    await alice.locator('#status[data-state="open"]').waitFor();
    // Named as people know them (the token's user name), the id (a UUID, as Cognito's) on hover.
    expect(await alice.locator('#whoami').textContent()).toBe('You are alice');
    expect(await alice.locator('#whoami .name').getAttribute('title')).toBe(localSubject('alice'));
    expect(await alice.locator('#sign-in').isHidden()).toBe(true);

    const bob = await openChat('bob');
    await join(alice, 'lobby');
    await members(alice, 'lobby').getByText('alice (you)').waitFor();
    await join(bob, 'lobby');
    // Presence: bob's join reaches alice's member list; bob's own list (from members()) has both.
    await members(alice, 'lobby').getByText('bob', { exact: true }).waitFor();
    await members(bob, 'lobby').getByText('alice', { exact: true }).waitFor();
    expect(await members(bob, 'lobby').getByText('alice', { exact: true }).getAttribute('title')).toBe(localSubject('alice'));

    await send(alice, 'lobby', 'Hello from Alice');
    const received = bob.locator('#log li.room-message', { hasText: 'Hello from Alice' });
    await received.waitFor();
    expect(await received.locator('.from').textContent()).toBe('alice');
    expect(await received.locator('.from').getAttribute('title')).toBe(localSubject('alice'));
    const mine = alice.locator('#log li.own', { hasText: 'Hello from Alice' });
    await mine.locator('.details', { hasText: 'delivered to 1' }).waitFor();
    expect(await mine.locator('.from').textContent()).toBe('you');
    expect(await alice.locator('#log').textContent()).not.toContain('Received:');
    expect(await alice.getByRole('alert').filter({ hasText: /./ }).count()).toBe(0);

    await alice.screenshot({ path: path.join(ARTIFACTS, 'chat-sender.png') });
    await bob.screenshot({ path: path.join(ARTIFACTS, 'chat-receiver.png') });

    // Bob's last connection leaves: he disappears from alice's list.
    await closeTab(bob);
    await members(alice, 'lobby').getByText('bob', { exact: true }).waitFor({ state: 'detached' });
    await closeTab(alice);
  });

  test('typing in a room shows "… is typing" on the other members\' pages, by name, until the message arrives', async () => {
    const gina = await openChat('gina');
    const hugo = await openChat('hugo');
    await join(gina, 'typing');
    await join(hugo, 'typing');
    await gina.getByLabel('To', { exact: true }).selectOption('typing');
    await gina.getByLabel('Message', { exact: true }).pressSequentially('hel');
    const line = hugo.locator('#typing [data-room="typing"]');
    await line.getByText('gina is typing…').waitFor();
    // Only the others see it.
    expect(await gina.locator('#typing').textContent()).toBe('');
    await gina.getByRole('button', { name: 'Send', exact: true }).click();
    await hugo.locator('#log li.room-message', { hasText: 'hel' }).waitFor();
    await line.waitFor({ state: 'detached' });
    await closeTab(gina, hugo);
  });

  test('at 390 px, whatever members send wraps: no horizontal scroll for a 300-character word, a long URL, a 64-character name and room', async () => {
    const longName = `n${'a'.repeat(63)}`;
    const room = `r${'o'.repeat(63)}`;
    const word = 'w'.repeat(300);
    const url = `https://example.com/${'segment/'.repeat(40)}?q=${'x'.repeat(120)}`;
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${emulator.httpUrl}/`);
    await signIn(phone, 'ida');
    await phone.locator('#status[data-state="open"]').waitFor();
    const sender = await openChat(longName);
    await join(phone, room);
    await join(sender, room);
    await members(phone, room).getByText(longName, { exact: true }).waitFor();
    await sender.getByLabel('To', { exact: true }).selectOption(room);
    await sender.getByLabel('Message', { exact: true }).pressSequentially('typing');
    await phone.locator('#typing').getByText(`${longName} is typing…`).waitFor();
    for (const text of [word, url]) {
      await send(sender, room, text);
      await phone.locator('#log li.room-message .text', { hasText: text }).waitFor();
    }
    await send(phone, room, word);
    await phone.locator('#log li.own', { hasText: word }).locator('.details', { hasText: 'delivered to 1' }).waitFor();
    await phone.screenshot({ path: path.join(ARTIFACTS, 'chat-390px.png'), fullPage: true });
    const width = await phone.evaluate(() => document.scrollingElement!.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    // Every element stays inside the screen too (overflow hidden somewhere would hide text, not wrap it).
    const widest = await phone.evaluate(() =>
      Math.max(...Array.from(document.querySelectorAll('body *'), (element) => element.getBoundingClientRect().right)),
    );
    expect(widest).toBeLessThanOrEqual(390);
    await closeTab(phone, sender);
  });

  test('a page that joins later shows the messages sent before, oldest first, above its "Joined" line', async () => {
    const carol = await openChat('carol');
    await join(carol, 'history');
    for (const text of ['one', 'two', 'three']) await send(carol, 'history', text);
    await carol.locator('#log li.own', { hasText: 'three' }).locator('.details', { hasText: 'delivered to 0' }).waitFor();

    const dan = await openChat('dan');
    await join(dan, 'history');
    const lines = dan.locator('#log li.room-message.history[data-room="history"]');
    await lines.nth(2).waitFor();
    expect(await lines.locator('.text').allTextContents()).toEqual(['one', 'two', 'three']);
    expect(await lines.locator('.from').allTextContents()).toEqual(['carol', 'carol', 'carol']);
    // History sits above the join; nothing after it yet.
    expect(await dan.locator('#log li.history + li.system', { hasText: 'Joined #history.' }).count()).toBe(1);
    await dan.screenshot({ path: path.join(ARTIFACTS, 'chat-history.png') });
    await closeTab(carol, dan);
  });

  test('a dropped page says the server is unreachable (no token errors), then resumes: every message once, in order', async () => {
    const erin = await openChat('erin');
    const frank = await openChat('frank');
    await join(erin, 'relay');
    await join(frank, 'relay');
    await send(frank, 'relay', 'm1');
    await erin.locator('#log li.room-message', { hasText: 'm1' }).waitFor();
    await send(erin, 'relay', 'e1');
    await erin.locator('#log li.own', { hasText: 'e1' }).locator('.details', { hasText: 'delivered to 1' }).waitFor();

    // Erin's connection drops, and her next attempts fail as against a server that is down.
    await erin.evaluate(() => {
      const network = window.pageNetwork as PageNetwork;
      network.blocked = true;
      network.sockets[network.sockets.length - 1].close();
    });
    await erin.locator('#status-text', { hasText: /^server unreachable, retrying (in \d+s|now…)$/ }).waitFor();
    for (const text of ['m2', 'm3', 'm4']) await send(frank, 'relay', text);
    await frank
      .locator('#log li.own', { hasText: 'm4' })
      .locator('.details', { hasText: /delivered to \d/ })
      .waitFor();
    await erin.screenshot({ path: path.join(ARTIFACTS, 'chat-unreachable.png') });

    await erin.evaluate(() => ((window.pageNetwork as PageNetwork).blocked = false));
    // Resumed from the last seq she had: her own e1's, from its ack (the server never sends a sender its own message), so m2-m4.
    await erin.locator('#log li.system', { hasText: 'Rejoined #relay: 3 messages replayed.' }).waitFor({ timeout: BACK_WITHIN_MS });
    await send(frank, 'relay', 'm5');
    await erin.locator('#log li.room-message', { hasText: 'm5' }).waitFor();

    await erin.screenshot({ path: path.join(ARTIFACTS, 'chat-resumed.png') });
    expect(await roomLines(erin, 'relay')).toEqual(['m1', 'e1', 'm2', 'm3', 'm4', 'm5']);
    // Each line carries its room's seq: consecutive, so nothing was skipped or shown twice.
    const seqs = (
      await erin.locator('#log li[data-room="relay"]').evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.seq))
    ).map(Number);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
    // The status line told of the outage; the log has no token errors, no errors at all.
    expect(await erin.locator('#log li.error').allTextContents()).toEqual([]);
    await closeTab(erin, frank);
  });

  test('a guest (the emulator only) gets a guest name; an error from the server is shown clearly', async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await page.locator('#status[data-state="open"]').waitFor();
    expect(await page.locator('#whoami').textContent()).toMatch(/^You are guest-[0-9a-f]{6}$/);
    expect(await page.locator('#whoami .name').getAttribute('title')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    // The room box holds the protocol's room-name rule (set by the page's script): the browser refuses a bad name.
    const roomInput = page.getByLabel('Room', { exact: true });
    expect(await roomInput.getAttribute('title')).toBe(ROOM_NAME.description);
    await roomInput.fill('bad room!');
    expect(await roomInput.evaluate((input: HTMLInputElement) => input.validity.patternMismatch)).toBe(true);
    await roomInput.fill('good.room-1');
    expect(await roomInput.evaluate((input: HTMLInputElement) => input.validity.valid)).toBe(true);
    // Bypass the page's own checks: a room message to a room we never joined.
    await page.evaluate(() => {
      const target = document.querySelector<HTMLSelectElement>('#target');
      if (!target) throw new Error('no #target');
      target.add(new Option('#nowhere', 'nowhere'));
      target.value = 'nowhere';
    });
    await page.getByLabel('Message', { exact: true }).fill('anyone?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const alert = page.locator('#error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('NOT_IN_ROOM');
    expect(await page.locator('#log li.own.failed', { hasText: 'anyone?' }).textContent()).toContain('not sent: NOT_IN_ROOM');
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-error.png') });
    await closeTab(page);
  });
});

/**
 * The server really goes away: the emulator stops, and starts again on the same port with the same
 * data dir (tables and the local issuer's key kept), as `npm start -- --data-dir` would.
 */
describe('chat page across an emulator restart', () => {
  let emulator: Emulator;
  let browser: Browser;
  let dataDir: string;
  let webDir: string;
  const emulatorLog: string[] = [];

  const start = (port: number) =>
    startEmulator({
      assemblyDir: appAssembly(),
      port,
      dynamodbPort: 0,
      webDir,
      dataDir,
      localIssuerDir: dataDir,
      log: (line) => emulatorLog.push(line),
    });

  beforeAll(async () => {
    webDir = await buildWeb();
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-chat-restart-'));
    emulator = await start(0);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await emulator?.settled();
    await emulator?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await writeFile(path.join(ARTIFACTS, 'chat-restart-emulator.log'), emulatorLog.join('\n'));
  });

  async function openChat(user: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    await page.goto(`${emulator.httpUrl}/`);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(LOCAL_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#status[data-state="open"]').waitFor();
    await page.getByLabel('Room', { exact: true }).fill('restart');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('button', { name: 'Leave restart' }).waitFor();
    return page;
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page
      .locator('#log li.own', { hasText: text })
      .locator('.details', { hasText: /delivered to \d/ })
      .waitFor({ timeout: 15_000 });
  }

  test('while it is down the page says so in one line; after it is back the room goes on where it was', async () => {
    const hana = await openChat('hana');
    const ivan = await openChat('ivan');
    await send(ivan, 'before');
    await hana.locator('#log li.room-message', { hasText: 'before' }).waitFor();

    const port = emulator.port;
    await emulator.stop();
    await hana.locator('#status-text', { hasText: /^server unreachable, retrying (in \d+s|now…)$/ }).waitFor({ timeout: 10_000 });
    // Sent while the server is down: queued by ivan's client, sent once it is back.
    await ivan.getByLabel('Message', { exact: true }).fill('queued');
    await ivan.getByRole('button', { name: 'Send', exact: true }).click();

    emulator = await start(port);
    await ivan
      .locator('#log li.own', { hasText: 'queued' })
      .locator('.details', { hasText: /delivered to \d/ })
      .waitFor({ timeout: BACK_WITHIN_MS });
    await hana.locator('#log li.system', { hasText: /^Rejoined #restart/ }).waitFor({ timeout: BACK_WITHIN_MS });
    await send(ivan, 'after');
    await hana.locator('#log li.room-message', { hasText: 'after' }).waitFor();

    // Before the checks, so a failure leaves a picture of the page.
    await hana.screenshot({ path: path.join(ARTIFACTS, 'chat-restarted.png') });
    expect(await hana.locator('#log li[data-room="restart"] .text').allTextContents()).toEqual(['before', 'queued', 'after']);
    // The room's counter and history survived the restart: the seqs go on from where they were.
    expect(
      await hana.locator('#log li[data-room="restart"]').evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.seq)),
    ).toEqual(['1', '2', '3']);
    expect(await hana.locator('#log li.error').allTextContents()).toEqual([]);
  });
});
