/**
 * One Lambda execution environment, as the runtime's thread sees it: a worker thread (worker.ts)
 * that runs one invocation at a time, the channels to it (messages, the claims on the invocations
 * queued in it, the results it writes to shared memory), the order its results settle in, and the
 * timer that enforces its invocations' timeout. Its life is one state (lifecycle.ts).
 */
import type { Worker } from 'node:worker_threads';
import type { MonotonicClock } from '../../protocol/clock';
import { newEventId } from '../aws/ids';
import type { DispatchCandidate } from './dispatch';
import type { Invocation } from './invocation';
import { checkTransition, type EnvironmentState } from './lifecycle';
import { OutcomeReader, outcomeMemory } from './outcome-ring';
import { startWorker } from './worker-thread';
import type { InvocationReply, InvokeRequest, SerializedError, WorkerCommand, WorkerInit, WorkerReply } from './worker-protocol';

/** What an environment tells its pool. */
export interface EnvironmentEvents {
  /** One of its invocations has settled, after running `ranMs` on the pool's clock. */
  settled(ranMs: number): void;
  /** It can take invocations: it has become ready, or has settled what it held. */
  available(): void;
  /** It has ended (it is draining); `unstarted` never started here, and are to run elsewhere. */
  ended(environment: ExecutionEnvironment, unstarted: Invocation[]): void;
  /** A line the function wrote to stdout or stderr. */
  output(line: string): void;
}

export interface EnvironmentSettings {
  /** What its worker is told of the function; the environment adds its log stream and its channels. */
  readonly function: Omit<WorkerInit, 'logStreamName' | 'claims' | 'outcomes'>;
  /** Its environment variables. */
  readonly variables: Readonly<Record<string, string>>;
  /** The function's timeout, counted from each invocation's start. */
  readonly timeoutMs: number;
  /** How long its init may take before the invocation waiting for it fails and the environment ends. */
  readonly initTimeoutMs: number;
  /** At most this many invocations wait in its worker, behind the one it runs. */
  readonly queueLimit: number;
  /** Times its invocations and its init; also names its log stream by date. */
  readonly clock: MonotonicClock;
}

export class ExecutionEnvironment implements DispatchCandidate {
  private current: EnvironmentState = 'starting';
  /**
   * When its running invocation started, on the pool's clock: when the pool sent it to this
   * environment idle, when the environment became ready with it, when the one before it settled,
   * or, for one the worker started as it wrote the previous result to shared memory, when it wrote it.
   */
  startedAt = 0;
  /** Resolves once its worker has exited: the environment is dead. */
  readonly exited: Promise<void>;
  private readonly worker: Worker;
  private readonly clock: MonotonicClock;
  private readonly timeoutMs: number;
  /**
   * The invocations sent to it, in order: the first is running (once it is ready), the others wait
   * in its worker's queue and start there the moment the one before it answers (see DISPATCH).
   */
  private invocations: Invocation[] = [];
  /** Invocations for it not posted yet: they go in one message when this turn of the event loop ends. */
  private outbox: InvokeRequest[] = [];
  /** The claims on the invocations sent to it (WorkerInit.claims), and the slots no invocation holds. */
  private readonly claims: Int32Array;
  private readonly freeSlots: number[];
  /** Each send's claim ticket: never 0, and never the same for two sends in reach of each other. */
  private nextTicket = 1;
  /** The results its worker wrote to shared memory (WorkerInit.outcomes). */
  private readonly outcomes: OutcomeReader;
  /** Results that came before those of invocations that ran earlier, by invocation id; they settle in turn. */
  private readonly early = new Map<number, { readonly reply: InvocationReply; readonly endedAt: number }>();
  /**
   * The timeout timer: one per environment, armed when an invocation starts and none is armed.
   * When it fires it times out the invocation running then if that one's deadline has passed, or
   * re-arms for that deadline: so invocations that follow one another arm no timer each (a timer
   * per invocation cost the main thread about a microsecond per invocation).
   */
  private timer: unknown;
  /** When `timer` fires, on the pool's clock. */
  private timerDueAt = 0;
  /** The invocation it started last (`timed`), while that one runs, and when it times out. */
  private timed?: Invocation;
  private deadline = 0;
  private initTimer: unknown;
  /** The clock readings of the shared-memory results being read: see onOutcome. */
  private drainedAt = NaN;
  private drainedAtEpochMs = NaN;
  /** Output text after its last newline, waiting for the rest of its line. */
  private partialLine = '';

  constructor(
    settings: EnvironmentSettings,
    private readonly events: EnvironmentEvents,
  ) {
    this.clock = settings.clock;
    this.timeoutMs = settings.timeoutMs;
    const claimSlots = settings.queueLimit + 1;
    const claims = new SharedArrayBuffer(claimSlots * Int32Array.BYTES_PER_ELEMENT);
    const init: WorkerInit = {
      ...settings.function,
      logStreamName: `${new Date(this.clock.now()).toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${newEventId().slice(0, 8)}`,
      claims,
      outcomes: outcomeMemory(),
    };
    this.claims = new Int32Array(claims);
    this.freeSlots = Array.from({ length: claimSlots }, (_, slot) => slot);
    this.outcomes = new OutcomeReader(init.outcomes);
    this.worker = startWorker(init, settings.variables, (line) => this.events.output(line));
    this.initTimer = this.clock.setTimeout(
      () =>
        this.crash({
          errorType: 'Sandbox.Timedout',
          errorMessage: `the function's init did not finish in ${(settings.initTimeoutMs / 1000).toFixed(2)} seconds`,
          trace: [],
        }),
      settings.initTimeoutMs,
    );
    this.worker.on('message', this.onMessage);
    this.worker.on('error', (err) =>
      this.crash({ errorType: `Runtime.${err.name || 'Error'}`, errorMessage: err.message, trace: (err.stack ?? '').split('\n') }),
    );
    // Also after terminate(): an invocation or init still waiting on this worker must not hang.
    this.exited = new Promise((resolve) =>
      this.worker.on('exit', (code) => {
        this.crash({ errorType: 'Runtime.ExitError', errorMessage: `the function's process exited with code ${code}`, trace: [] });
        this.transition('dead');
        resolve();
      }),
    );
  }

  get state(): EnvironmentState {
    return this.current;
  }

  get invocationCount(): number {
    return this.invocations.length;
  }

  get hasFreeSlot(): boolean {
    return this.freeSlots.length > 0;
  }

  /**
   * Sends it `invocation`, to run after those it holds; posted with the others sent in this turn of
   * the event loop by flush(). `batchable`: see InvokeRequest.batchable.
   */
  take(invocation: Invocation, batchable: boolean): void {
    if (!this.isLive()) throw new Error(`an execution environment that is ${this.current} takes no invocation`);
    this.invocations.push(invocation);
    // A worker still loading keeps the message in its port until it listens; its timeout starts once it is ready.
    if (this.current === 'idle') {
      this.transition('busy');
      this.startTimer(this.clock.monotonicNow());
    }
    invocation.slot = this.freeSlots.pop()!;
    invocation.ticket = this.nextTicket;
    this.nextTicket = this.nextTicket >= 0x7fffffff ? 1 : this.nextTicket + 1;
    Atomics.store(this.claims, invocation.slot, invocation.ticket);
    this.outbox.push({
      id: invocation.id,
      slot: invocation.slot,
      ticket: invocation.ticket,
      requestId: invocation.requestId,
      timeoutMs: this.timeoutMs,
      eventJson: invocation.eventJson,
      batchable,
    });
  }

  /** Posts its worker the invocations sent to it this turn of the event loop, in one message (one wake-up). */
  flush(): void {
    if (this.outbox.length === 0) return;
    this.worker.postMessage(this.outbox satisfies WorkerCommand);
    this.outbox = [];
  }

  /** Settles the invocations whose results its worker wrote to shared memory. */
  readOutcomes(): void {
    if (!this.isLive()) return;
    this.drainedAt = NaN;
    this.outcomes.drain(this.onOutcome);
  }

  /**
   * Takes back its invocations that it has not started, whatever its worker is doing (even running
   * synchronous code): each is the pool's if it swaps the invocation's ticket out of its claim slot
   * before the worker does (WorkerInit.claims). Never the first, which has started or is about to.
   */
  takeBackWaiting(): Invocation[] {
    const back: Invocation[] = [];
    const kept: Invocation[] = [];
    this.invocations.forEach((invocation, i) => {
      if (i > 0 && Atomics.compareExchange(this.claims, invocation.slot, invocation.ticket, 0) === invocation.ticket) {
        this.freeSlots.push(invocation.slot);
        back.push(invocation);
      } else kept.push(invocation);
    });
    if (back.length > 0) {
      this.invocations = kept;
      this.outbox = this.outbox.filter((request) => !back.some((invocation) => invocation.id === request.id));
    }
    return back;
  }

  /**
   * Ends it because its pool stops: every invocation it holds fails with `error`, and its worker is
   * terminated. Resolves once the worker has exited (the environment is dead).
   */
  async stop(error: SerializedError): Promise<void> {
    this.transition('draining');
    this.clearTimers();
    this.outbox = [];
    // The claims too, so a worker that frees up before it is terminated starts none of them.
    for (const invocation of this.invocations.splice(0)) {
      Atomics.compareExchange(this.claims, invocation.slot, invocation.ticket, 0);
      invocation.fail(error);
    }
    await this.worker.terminate();
    await this.exited;
  }

  private isLive(): boolean {
    return this.current !== 'draining' && this.current !== 'dead';
  }

  /** Every change of state goes through here. */
  private transition(to: EnvironmentState): void {
    checkTransition(this.current, to);
    this.current = to;
  }

  private readonly onMessage = (reply: WorkerReply): void => {
    // Any message also announces the results written to shared memory before it, which come first.
    this.readOutcomes();
    if (isOutcomes(reply)) {
      for (const outcome of reply) {
        if (outcome.output) this.output(outcome.output);
        this.settle(outcome, this.clock.monotonicNow());
      }
    } else if (reply.type === 'output') this.output(reply.text);
    else if (reply.type === 'ready') this.becomeReady();
    else if (reply.type === 'init-error') this.crash(reply.error);
  };

  /**
   * A result read from shared memory. Its worker stamped when it ended the invocation on its own
   * clock, the system's (ms since the epoch), while the pool's clock may be another (a test's
   * manual clock): what carries over is how long ago that was, read once per drain.
   */
  private readonly onOutcome = (id: number, resultJson: string, endedAtEpochMs: number): void => {
    if (Number.isNaN(this.drainedAt)) {
      this.drainedAt = this.clock.monotonicNow();
      this.drainedAtEpochMs = performance.timeOrigin + performance.now();
    }
    this.settle({ type: 'result', id, resultJson }, this.drainedAt - Math.max(0, this.drainedAtEpochMs - endedAtEpochMs));
  };

  /** Its worker has loaded the handler. */
  private becomeReady(): void {
    if (this.current !== 'starting') return;
    this.clock.clearTimeout(this.initTimer);
    if (this.invocations.length > 0) {
      this.transition('busy');
      this.startTimer(this.clock.monotonicNow());
    } else this.transition('idle');
    this.events.available();
  }

  /** Settles an invocation the worker ended at `endedAt` (on the pool's clock; the next one started then). */
  private settle(reply: InvocationReply, endedAt: number): void {
    const invocation = this.invocations[0];
    if (invocation?.id !== reply.id) {
      // One that ran after others whose results are still on their way (sent as messages before it
      // was written to shared memory) waits for them: results settle in the order they ran.
      if (this.invocations.some((i) => i.id === reply.id)) this.early.set(reply.id, { reply, endedAt });
      return;
    }
    this.timed = undefined;
    this.invocations.shift();
    this.freeSlots.push(invocation.slot);
    // Never negative: a result that waited for an earlier one's message settles after it.
    this.events.settled(Math.max(0, endedAt - this.startedAt));
    if (this.invocations.length > 0) this.startTimer(endedAt);
    else this.transition('idle');
    invocation.complete(reply);
    const next = this.invocations[0] && this.early.get(this.invocations[0].id);
    if (next) {
      this.early.delete(this.invocations[0].id);
      this.settle(next.reply, next.endedAt);
    } else this.events.available();
  }

  /** Times its first invocation, which started at `startedAt` (on the pool's clock). */
  private startTimer(startedAt: number): void {
    this.startedAt = startedAt;
    this.timed = this.invocations[0];
    this.deadline = startedAt + this.timeoutMs;
    if (this.timer === undefined || this.timerDueAt > this.deadline) this.armTimer();
  }

  private armTimer(): void {
    this.clock.clearTimeout(this.timer);
    this.timerDueAt = this.deadline;
    this.timer = this.clock.setTimeout(this.onTimer, Math.max(0, this.deadline - this.clock.monotonicNow()));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (!this.isLive()) return;
    // Its invocation may have answered, the result waiting in shared memory while the worker runs the next.
    this.readOutcomes();
    const running = this.timed;
    // None runs: the next start arms the timer again.
    if (running === undefined || this.invocations[0] !== running) return;
    if (this.clock.monotonicNow() < this.deadline) {
      if (this.timer === undefined) this.armTimer();
      return;
    }
    this.invocations.shift();
    running.fail({
      errorType: 'Sandbox.Timedout',
      errorMessage: `${running.requestId} Task timed out after ${(this.timeoutMs / 1000).toFixed(2)} seconds`,
      trace: [],
    });
    this.end('an invocation timed out');
  };

  /** Its worker failed (`error`): the running invocation fails with it; those queued behind it never started, and go elsewhere. */
  private crash(error: SerializedError): void {
    if (!this.isLive()) return;
    // Results it wrote before it ended are results.
    this.readOutcomes();
    this.invocations.shift()?.fail(error);
    this.end(`${error.errorType}: ${error.errorMessage}`);
  }

  /**
   * Ends it (its running invocation has been answered, `why`): its worker is terminated, and the
   * invocations queued in it, which never started, go back to its pool. One the worker had just
   * started, after the one that ended it answered, ends with it.
   */
  private end(why: string): void {
    this.transition('draining');
    this.clearTimers();
    this.outbox = [];
    const unstarted: Invocation[] = [];
    for (const invocation of this.invocations.splice(0)) {
      const early = this.early.get(invocation.id);
      if (early) invocation.complete(early.reply);
      else if (Atomics.compareExchange(this.claims, invocation.slot, invocation.ticket, 0) === invocation.ticket)
        unstarted.push(invocation);
      else
        invocation.fail({
          errorType: 'Runtime.ExitError',
          errorMessage: `the execution environment ended (${why}) while this invocation ran`,
          trace: [],
        });
    }
    this.early.clear();
    void this.worker.terminate();
    this.events.ended(this, unstarted);
  }

  private clearTimers(): void {
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.initTimer);
    this.timer = undefined;
    this.timed = undefined;
  }

  private output(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.events.output(line);
  }
}

/** Array.isArray does not narrow a readonly array type. */
function isOutcomes(reply: WorkerReply): reply is readonly InvocationReply[] {
  return Array.isArray(reply);
}
