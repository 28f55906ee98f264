import { broadcastCost, connectionMonthCost, echoCost, monthlyCost, PRICES } from '../../bench/cost-model';

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
