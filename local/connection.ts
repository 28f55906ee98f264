/**
 * One live client connection as API Gateway tracks it: identity, activity, timers, and the
 * queue that keeps its messages in order.
 */
import type { WebSocket } from 'ws';
import type { ConnectionContext } from './events';
import { CLOSE, type CloseCause } from './limits';

export interface ConnectionTimeouts {
  readonly idleTimeoutMs: number;
  readonly maxDurationMs: number;
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
  private idleTimer?: NodeJS.Timeout;
  private maxTimer?: NodeJS.Timeout;

  constructor(
    readonly context: ConnectionContext,
    readonly socket: WebSocket,
    readonly userAgent: string,
    timeouts: ConnectionTimeouts,
  ) {
    this.lastActiveAt = context.connectedAt;
    this.lastInboundAt = context.connectedAt;
    this.scheduleIdle(timeouts.idleTimeoutMs);
    this.maxTimer = setTimeout(() => this.close(CLOSE.goingAway), timeouts.maxDurationMs);
  }

  get id(): string {
    return this.context.connectionId;
  }

  get closing(): boolean {
    return this.serverClose !== undefined || this.socket.readyState !== this.socket.OPEN;
  }

  /** Records a client message. */
  touchInbound(now = Date.now()): void {
    this.lastInboundAt = now;
    this.lastActiveAt = now;
  }

  /** Closes from the gateway's side with `cause`, which $disconnect will report. */
  close(cause: CloseCause, sendReason = true): void {
    if (this.serverClose) return;
    this.serverClose = cause;
    this.socket.close(cause.code, sendReason ? cause.reason : undefined);
    // A client that never answers the close frame is dropped, as API Gateway does.
    setTimeout(() => this.socket.terminate(), 1000).unref();
  }

  /** Stops the timers once the connection is gone. */
  dispose(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.maxTimer);
  }

  // One timer per idle period, re-armed lazily, so busy connections cost no timer churn.
  private scheduleIdle(idleTimeoutMs: number): void {
    const due = this.lastInboundAt + idleTimeoutMs - Date.now();
    this.idleTimer = setTimeout(() => {
      if (Date.now() - this.lastInboundAt >= idleTimeoutMs) this.close(CLOSE.goingAway);
      else this.scheduleIdle(idleTimeoutMs);
    }, Math.max(0, due));
  }
}
