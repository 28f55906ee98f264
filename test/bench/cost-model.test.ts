import {
  broadcastCost,
  connectionMonthCost,
  echoCost,
  floodCost,
  joinCost,
  monthlyCost,
  PRICES,
  publishCost,
  refusedFrameCost,
  resumeCost,
} from '../../bench/cost-model';

const a = { lambdaMs: 20, memoryMb: 256 };

describe('cost model', () => {
  it('prices an echo as 2 API messages and 1 invocation', () => {
    const echo = echoCost(a);
    expect(echo.apiGateway).toBeCloseTo(2 * PRICES.apiMessage, 12);
    expect(echo.lambda).toBeCloseTo(PRICES.lambdaRequest + 0.25 * 0.02 * PRICES.lambdaGbSecond, 12);
    expect(echo.dynamodb).toBe(0);
    expect(echo.total * 1e6).toBeCloseTo(2.27, 2);
  });

  it('charges one post per other member in a broadcast', () => {
    expect(broadcastCost(100, a).apiGateway).toBeCloseTo(101 * PRICES.apiMessage, 12);
    expect(broadcastCost(1000, a).total).toBeGreaterThan(broadcastCost(100, a).total);
    expect(() => broadcastCost(0, a)).toThrow('Room size must be a positive integer; got 0');
  });

  it('charges a room message its bucket, its seq and its history writes, beside the reads', () => {
    // GetItem of the sender (1 read unit), a strongly consistent Query of 100 rows (8 KB: 2 read units),
    // the bucket's UpdateItem, the counter's UpdateItem, the history put and the delete of the oldest (4 write units).
    expect(broadcastCost(100, a).dynamodb).toBeCloseTo(3 * PRICES.readUnit + 4 * PRICES.writeUnit, 12);
    // History off: the counter still takes its write.
    expect(broadcastCost(100, a, 0, { stored: false }).dynamodb).toBeCloseTo(3 * PRICES.readUnit + 2 * PRICES.writeUnit, 12);
    // A 32 KB frame: the put and the delete are billed per KB.
    expect(broadcastCost(100, a, 0, { frameBytes: 32 * 1024 }).dynamodb).toBeCloseTo(3 * PRICES.readUnit + 66 * PRICES.writeUnit, 12);
  });

  it('bills the Query for stale rows it reads, though no post goes to them', () => {
    const clean = broadcastCost(2, a);
    const stale = broadcastCost(2, a, 1000);
    expect(stale.apiGateway).toBe(clean.apiGateway);
    // 1,002 rows of about 80 bytes, strongly consistent: 20 read units instead of 1.
    expect(stale.dynamodb - clean.dynamodb).toBeCloseTo(19 * PRICES.readUnit, 12);
  });

  it('prices a publish as a room message without the sender: posts to every member, no frame in or ack out', () => {
    expect(publishCost(100, a).apiGateway).toBeCloseTo(100 * PRICES.apiMessage, 12);
    expect(publishCost(100, a).dynamodb).toBeCloseTo(2 * PRICES.readUnit + 3 * PRICES.writeUnit, 12);
    expect(() => publishCost(0, a)).toThrow('Room size must be a positive integer; got 0');
  });

  it('charges a join a presence fan-out, and its member Query, only when it sends a presence event', () => {
    const quiet = joinCost(100, false, a);
    const announced = joinCost(100, true, a);
    expect(quiet.apiGateway).toBeCloseTo(2 * PRICES.apiMessage, 12);
    expect(announced.apiGateway - quiet.apiGateway).toBeCloseTo(99 * PRICES.apiMessage, 12);
    // ...and the member Query of that fan-out: 100 rows, strongly consistent, 2 read units.
    expect(announced.dynamodb - quiet.dynamodb).toBeCloseTo(2 * PRICES.readUnit, 12);
  });

  it('prices a resume by the messages it replays', () => {
    expect(resumeCost(0, a).apiGateway).toBeCloseTo(PRICES.apiMessage, 12);
    expect(resumeCost(20, a).apiGateway).toBeCloseTo(21 * PRICES.apiMessage, 12);
    expect(resumeCost(100, a).dynamodb).toBeCloseTo(5 * PRICES.readUnit, 12);
    expect(() => resumeCost(-1, a)).toThrow('Missed messages must be a non-negative integer; got -1');
  });

  it('prices a refused frame: in and out, one invocation, one read unit for a room message, no write', () => {
    expect(refusedFrameCost('frames', a)).toEqual(echoCost(a));
    expect(refusedFrameCost('roomMessages', a).dynamodb).toBeCloseTo(PRICES.readUnit, 12);
  });

  it('caps what a flood of room messages costs at burst + rate x time broadcasts', () => {
    const limit = { perSecond: 10, burst: 20 };
    const limited = floodCost(1000, 100, 3600, limit, a);
    const broadcasts = 20 + 10 * 3600;
    const expected = broadcasts * broadcastCost(1000, a).total + (360_000 - broadcasts) * refusedFrameCost('roomMessages', a).total;
    expect(limited.total).toBeCloseTo(expected, 6);
    expect(floodCost(1000, 100, 3600, 'unlimited', a).total).toBeCloseTo(360_000 * broadcastCost(1000, a).total, 6);
    // Under the limit, nothing is refused.
    expect(floodCost(10, 5, 60, limit, a).total).toBeCloseTo(300 * broadcastCost(10, a).total, 9);
  });

  it('prices a connection-month mostly in connection-minutes', () => {
    const month = connectionMonthCost(a);
    expect(month.apiGateway).toBeGreaterThan(43_200 * PRICES.connectionMinute);
    expect(month.total).toBeLessThan(0.05);
  });

  it('scales a workload linearly', () => {
    const one = monthlyCost({ connections: 1000, messagesPerMinute: 1, roomSize: 1 }, a);
    const two = monthlyCost({ connections: 2000, messagesPerMinute: 1, roomSize: 1 }, a);
    expect(two.total).toBeCloseTo(2 * one.total, 6);
  });
});
