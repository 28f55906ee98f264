/**
 * The benchmarks' baseline: a plain `ws` server on a free loopback port that sends every message
 * back. Run in its own process by bench/echo.ts, as the emulator is; prints `listening URL`.
 */
import { WebSocketServer } from 'ws';
import { wsText } from '../cli-kit/ws-text';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (ws) => ws.on('message', (data) => ws.send(wsText(data))));
server.once('listening', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`listening ws://127.0.0.1:${port}\n`);
});
// Nothing to flush: the bench's clients are done when it is stopped.
process.once('SIGTERM', () => process.exit(0));
