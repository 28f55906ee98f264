/**
 * One live client connection as API Gateway tracks it: identity, activity, timers, and the
 * queue that keeps its messages in order.
 */
import type { WebSocket } from 'ws';
import type { Clock } from '../../protocol/clock';
import type { ConnectionContext } from './events';
import { CLOSE, type CloseCause } from './limits';

export interface ConnectionTimeouts {
  readonly idleTimeoutMs: number;
  readonly maxDurationMs: number;
  /** What they are measured on: the gateway's clock, which also gave `connectedAt`. */
  readonly clock: Clock;
}

export class LiveConnection {
  /** Last client message or management POST (GetConnection's LastActiveAt). */
  lastActiveAt: number;
  /** Last message from the client; the idle timeout counts from here. */
  private lastInboundAt: number;
  /** The close the gateway started, reported to $disconnect instead of the client's echo. */
  serverClose?: CloseCause;
  /** Message and $disconnect invocations run one after another, in arrival order. */
  queue: Promise<void> = Promise.resolve();
  private idleTimer?: unknown;
  private maxTimer?: unknown;
  private dropTimer?: unknown;
  private readonly clock: Clock;

  constructor(
    readonly context: ConnectionContext,
    readonly socket: WebSocket,
    readonly userAgent: string,
    timeouts: ConnectionTimeouts,
  ) {
    this.clock = timeouts.clock;
    this.lastActiveAt = context.connectedAt;
    this.lastInboundAt = context.connectedAt;
    this.scheduleIdle(timeouts.idleTimeoutMs);
    this.maxTimer = this.clock.setTimeout(() => this.close(CLOSE.goingAway), timeouts.maxDurationMs);
  }

  get id(): string {
    return this.context.connectionId;
  }

  get closing(): boolean {
    return this.serverClose !== undefined || this.socket.readyState !== this.socket.OPEN;
  }

  /** Bytes queued for the client and not yet written to its socket (ws `bufferedAmount`). */
  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  /** Sends one text frame, if the socket is still open. */
  send(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
  }

  /** Records a client message. */
  touchInbound(): void {
    this.lastInboundAt = this.clock.now();
    this.lastActiveAt = this.lastInboundAt;
  }

  /** Records a management POST to this connection: activity, but not the client's, so no idle reset. */
  touchOutbound(): void {
    this.lastActiveAt = this.clock.now();
  }

  /** Closes from the gateway's side with `cause`, which $disconnect will report. */
  close(cause: CloseCause, sendReason = true): void {
    if (this.serverClose) return;
    this.serverClose = cause;
    this.socket.close(cause.code, sendReason ? cause.reason : undefined);
    // A client that never answers the close frame is dropped, as API Gateway does.
    this.dropTimer = this.clock.setTimeout(() => this.socket.terminate(), 1000);
  }

  /** Stops the timers once the connection is gone. */
  dispose(): void {
    this.clock.clearTimeout(this.idleTimer);
    this.clock.clearTimeout(this.maxTimer);
    this.clock.clearTimeout(this.dropTimer);
  }

  // One timer per idle period, re-armed lazily, so busy connections cost no timer churn.
  private scheduleIdle(idleTimeoutMs: number): void {
    const due = this.lastInboundAt + idleTimeoutMs - this.clock.now();
    const expire = (): void => {
      if (this.clock.now() - this.lastInboundAt >= idleTimeoutMs) this.close(CLOSE.goingAway);
      else this.scheduleIdle(idleTimeoutMs);
    };
    this.idleTimer = this.clock.setTimeout(expire, Math.max(0, due));
  }
}
