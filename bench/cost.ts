import { parseArgs } from 'node:util';
import { RATE_LIMIT_DEFAULTS } from '../contract';
import {
  broadcastCost,
  connectionMonthCost,
  DEFAULT_ASSUMPTIONS,
  echoCost,
  floodCost,
  joinCost,
  monthlyCost,
  publishCost,
  queuedBroadcastCost,
  LARGEST_ROOM,
  refusedFrameCost,
  resumeCost,
  type CostBreakdown,
} from './cost-model';

/** `npm run cost -- --connections N --messages-per-minute M --room-size R`: prints the cost model. */
function main(): void {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '1000' },
      'messages-per-minute': { type: 'string', default: '1' },
      'room-size': { type: 'string', default: '1' },
      'lambda-ms': { type: 'string', default: String(DEFAULT_ASSUMPTIONS.lambdaMs) },
      'memory-mb': { type: 'string', default: String(DEFAULT_ASSUMPTIONS.memoryMb) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: npm run cost -- [--connections N] [--messages-per-minute M] [--room-size R] [--lambda-ms MS] [--memory-mb MB]');
    return;
  }
  const number = (name: keyof typeof values, min: number): number => {
    const raw = String(values[name]);
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number >= ${min}; got "${raw}".`);
    return value;
  };
  const workload = {
    connections: number('connections', 0),
    messagesPerMinute: number('messages-per-minute', 0),
    roomSize: Math.round(number('room-size', 1)),
  };
  const assumptions = { lambdaMs: number('lambda-ms', 1), memoryMb: number('memory-mb', 128) };

  const usd = (v: number) => (v === 0 ? '$0' : `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`);
  const row = (label: string, c: CostBreakdown) =>
    `${label.padEnd(40)} ${usd(c.apiGateway).padStart(12)} ${usd(c.lambda).padStart(12)} ${usd(c.dynamodb).padStart(12)} ${usd(c.sqs).padStart(12)} ${usd(c.total).padStart(12)}`;
  const scale = (c: CostBreakdown, k: number): CostBreakdown => ({
    apiGateway: c.apiGateway * k,
    lambda: c.lambda * k,
    dynamodb: c.dynamodb * k,
    sqs: c.sqs * k,
    total: c.total * k,
  });

  console.log(
    `Assumptions: Lambda bills ${assumptions.lambdaMs} ms at ${assumptions.memoryMb} MB per invocation (not measured: set --lambda-ms from your CloudWatch REPORT lines).`,
  );
  console.log(
    `${''.padEnd(40)} ${'API Gateway'.padStart(12)} ${'Lambda'.padStart(12)} ${'DynamoDB'.padStart(12)} ${'SQS'.padStart(12)} ${'total'.padStart(12)}`,
  );
  console.log(row('1 million echo messages', scale(echoCost(assumptions), 1e6)));
  for (const members of [10, 100, 1000])
    console.log(row(`1 million messages to ${members}-member rooms`, scale(broadcastCost(members, assumptions), 1e6)));
  console.log(row('1 million to 100 members, history off', scale(broadcastCost(100, assumptions, 0, { stored: false }), 1e6)));
  console.log(row('1 million to 100 members, 32 KB each', scale(broadcastCost(100, assumptions, 0, { frameBytes: 32 * 1024 }), 1e6)));
  console.log(row('1 million to 2 members + 1000 stale rows', scale(broadcastCost(2, assumptions, 1000), 1e6)));
  console.log(row('1 million publishes to 100-member rooms', scale(publishCost(100, assumptions), 1e6)));
  console.log(row('1 million joins into 100-member rooms', scale(joinCost(100, false, assumptions), 1e6)));
  console.log(row('  the same, each with a presence event', scale(joinCost(100, true, assumptions), 1e6)));
  console.log(row('1 million resumes, 20 missed messages each', scale(resumeCost(20, assumptions), 1e6)));
  console.log(row('1 connection-month (idle, 5-min pings)', connectionMonthCost(assumptions)));
  console.log(row('1 million frames refused (frame limit)', scale(refusedFrameCost('frames', assumptions), 1e6)));
  console.log(row('1 million room messages refused', scale(refusedFrameCost('roomMessages', assumptions), 1e6)));
  console.log('');
  console.log('Rooms beyond the inline fan-out (queued, default fan-out settings):');
  for (const members of [10_000, 100_000, LARGEST_ROOM]) {
    const one = queuedBroadcastCost(members, assumptions);
    console.log(row(`1 message to ${members.toLocaleString('en-US')} members`, one));
    console.log(row('  a minute at 1 message/s', scale(one, 60)));
  }
  const { perSecond, burst } = RATE_LIMIT_DEFAULTS.roomMessages;
  console.log('');
  console.log(`One connection flooding a 1000-member room with 100 room messages/s for an hour (limit: ${perSecond}/s, burst ${burst}):`);
  console.log(row('without a room-message limit', floodCost(1000, 100, 3600, 'unlimited', assumptions)));
  console.log(row('with the default limit', floodCost(1000, 100, 3600, RATE_LIMIT_DEFAULTS.roomMessages, assumptions)));
  console.log('');
  console.log(
    `Your workload: ${workload.connections} connections, ${workload.messagesPerMinute} messages/minute each, ` +
      (workload.roomSize <= 1 ? 'echo (no room)' : `rooms of ${workload.roomSize}`),
  );
  console.log(row('per month', monthlyCost(workload, assumptions)));
}

try {
  main();
} catch (err: unknown) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
}
