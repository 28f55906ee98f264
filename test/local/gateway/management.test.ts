import { decidePost, OUTBOUND_HIGH_WATER_BYTES } from '../../../local/gateway/management';

/** How one PostToConnection is decided, without sockets: live vs gone vs full buffer vs injected fault. */
describe('decidePost', () => {
  const live = { live: true, bufferedBytes: 0 };
  const noFault = () => undefined;

  it('sends to a live connection with room in its buffer', () => {
    expect(decidePost('A', live, noFault)).toEqual({ action: 'send' });
    expect(decidePost('A', { live: true, bufferedBytes: OUTBOUND_HIGH_WATER_BYTES }, noFault)).toEqual({ action: 'send' });
  });

  it('answers 410 for a connection that is not live, without drawing a fault', () => {
    const fault = jest.fn(() => 429);
    expect(decidePost('A', { live: false, bufferedBytes: 0 }, fault)).toMatchObject({ action: 'refuse', status: 410 });
    expect(fault).not.toHaveBeenCalled();
  });

  it('closes a live connection on an injected 410, so the app prunes only what really went', () => {
    expect(decidePost('A', live, () => 410)).toMatchObject({ action: 'refuse', status: 410, close: true });
  });

  it.each([429, 500])('refuses an injected %i without sending and without closing', (status) => {
    const decision = decidePost('A', live, () => status);
    expect(decision).toMatchObject({ action: 'refuse', status });
    expect(decision).not.toHaveProperty('close');
  });

  it("answers 429 once the client's buffer passes the high-water mark", () => {
    const decision = decidePost('A', { live: true, bufferedBytes: OUTBOUND_HIGH_WATER_BYTES + 1 }, noFault);
    expect(decision).toMatchObject({ action: 'refuse', status: 429, message: expect.stringContaining("client's buffer is full") });
  });

  it('lets an injected fault win over a full buffer: either way nothing is sent', () => {
    expect(decidePost('A', { live: true, bufferedBytes: 10 * OUTBOUND_HIGH_WATER_BYTES }, () => 500)).toMatchObject({ status: 500 });
  });
});
