/**
 * One Lambda execution environment: runs inside a worker thread with its own environment
 * variables and module state, loads the bundle's handler once (the init phase), then serves
 * one invocation at a time for as long as the runtime keeps it warm.
 *
 * This file is bundled by worker-thread.ts (with worker-network.ts, Node built-ins left external) and
 * started as a worker; it is not imported.
 */
import * as path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { OutcomeWriter } from './outcome-ring';
import type { InvocationReply, InvokeRequest, WorkerCommand, WorkerInit, WorkerReply, SerializedError } from './worker-protocol';
import { installAwsNetworkGuard } from './worker-network';
import { newLambdaTraceHeader } from '../aws/ids';
import { missingSdkMessage, sdkPackageOf } from './runtime-sdk';

type Handler = (event: unknown, context: unknown, callback?: (err?: unknown, result?: unknown) => void) => unknown;

const init = workerData as WorkerInit;
/** No local services: every AWS endpoint is refused (an API id and ports nothing can match). */
const NO_LOCAL_AWS = { region: 'none', urlSuffix: 'invalid', apis: {}, services: {} };
const port = parentPort!;

/** Whether results were written to the shared slots since the last message (see outcome-ring.ts). */
let unannounced = false;
/** Whether announce() is scheduled for the end of this turn of the event loop. */
let announceScheduled = false;

/** Every message to the runtime goes here: the runtime reads the shared slots before any message, so each also announces them. */
function send(message: WorkerReply): void {
  unannounced = false;
  port.postMessage(message);
}

/** Tells the runtime to read the results written since the last message; scheduled for the end of a turn of the event loop. */
function announce(): void {
  announceScheduled = false;
  if (unannounced) send([]);
}

function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return { errorType: err.name || 'Error', errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: typeof err === 'string' ? err : JSON.stringify(err), trace: [] };
}

/** Resolves `index.handler` in the asset folder the way the Node.js Lambda runtime does. */
async function loadHandler(): Promise<Handler> {
  const dot = init.handler.lastIndexOf('.');
  const moduleName = init.handler.slice(0, dot);
  const exportPath = init.handler.slice(dot + 1).split('.');
  const base = path.resolve(init.codeDir, moduleName);
  const candidates = ['.js', '.mjs', '.cjs'].map((ext) => base + ext);
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw Object.assign(new Error(`Cannot find module '${moduleName}' in ${init.codeDir}`), { name: 'Runtime.ImportModuleError' });
  let mod: Record<string, unknown>;
  try {
    if (file.endsWith('.mjs') || (file.endsWith('.js') && isEsmPackage(path.dirname(file), init.codeDir))) {
      provideSdkToEsModules();
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } else {
      mod = createRequire(file)(file) as Record<string, unknown>;
    }
  } catch (err: unknown) {
    throw withSdkHint(err);
  }
  let fn: unknown = mod;
  for (const key of exportPath) fn = (fn as Record<string, unknown> | undefined)?.[key];
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${init.handler} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return fn as Handler;
}

/**
 * The Lambda runtime provides AWS SDK v3 to ES modules as well as to CommonJS; NODE_PATH serves
 * only CommonJS, so ES module resolution falls back to the same folders through a resolve hook.
 */
function provideSdkToEsModules(): void {
  const folders = (process.env.NODE_PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  if (folders.length === 0) return;
  const providedFolders = folders.map((dir) => pathToFileURL(path.resolve(dir) + path.sep).href);
  register(pathToFileURL(init.sdkHooksFile).href, { data: { providedFolders } });
}

/** The SDK package a "cannot find" error names, if any. */
function missingSdkPackage(message: string): string | undefined {
  const specifier = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  return specifier === undefined ? undefined : sdkPackageOf(specifier);
}

/**
 * A handler that loads an SDK package the emulator does not provide: say whether Lambda's runtime
 * would (and how to install it where the emulator looks), or that the function must bundle it.
 */
function withSdkHint(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const pkg = missingSdkPackage(err.message);
  if (!pkg) return err;
  return Object.assign(new Error(missingSdkMessage(pkg, init.runtime, init.sdkCache ?? undefined), { cause: err }), {
    name: 'Runtime.ImportModuleError',
  });
}

/**
 * Node's rule: a .js file is an ES module when the nearest package.json above it says
 * "type": "module". The search stops at the code folder, which is /var/task in Lambda.
 */
function isEsmPackage(dir: string, codeDir: string): boolean {
  const root = path.resolve(codeDir);
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const pkg = path.join(current, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (current === root || path.dirname(current) === current) return false;
  }
}

function lambdaContext(req: InvokeRequest, deadline: number) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: init.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: init.invokedFunctionArn,
    memoryLimitInMB: String(init.memorySize),
    awsRequestId: req.requestId,
    logGroupName: `/aws/lambda/${init.functionName}`,
    logStreamName: init.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs one invocation, accepting async handlers and callback-style ones. */
function runHandler(handler: Handler, req: InvokeRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // Lambda passes on whatever a callback-style handler fails with; serializeError copes with non-Errors.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- see above
    const callback = (err?: unknown, result?: unknown) => (err ? reject(err) : resolve(result));
    const event: unknown = req.eventJson === undefined ? undefined : JSON.parse(req.eventJson);
    const returned = handler(event, lambdaContext(req, Date.now() + req.timeoutMs), callback);
    if (returned && typeof (returned as Promise<unknown>).then === 'function') {
      (returned as Promise<unknown>).then(resolve, reject);
    } else if (handler.length < 3) {
      resolve(returned);
    }
  });
}

/**
 * Function output is collected and sent to the runtime in one message per invocation (and
 * per tick for background output). A worker's own stdout stream costs a message and an
 * acknowledgement per write, which made logging a quarter of an invocation's CPU time.
 */
let pendingOutput: string[] = [];
let flushScheduled = false;

function flushOutput(): void {
  flushScheduled = false;
  if (pendingOutput.length === 0) return;
  send({ type: 'output', text: pendingOutput.join('') });
  pendingOutput = [];
}

/** The output not yet sent, to travel with an invocation's result. */
function takeOutput(): string | undefined {
  if (pendingOutput.length === 0) return undefined;
  const text = pendingOutput.join('');
  pendingOutput = [];
  return text;
}

function captureOutput(stream: NodeJS.WriteStream): void {
  stream.write = (chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    // When nobody reads it (the emulator runs quiet), sending it would cost both threads for nothing.
    if (init.forwardOutput) {
      pendingOutput.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushOutput);
      }
    }
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}

async function main(): Promise<void> {
  captureOutput(process.stdout);
  captureOutput(process.stderr);
  if (init.enableSourceMaps) process.setSourceMapsEnabled(true);
  // Before the handler's modules load, so module-scope clients and their agents see it too.
  installAwsNetworkGuard(init.localAws ?? NO_LOCAL_AWS);
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (err: unknown) {
    flushOutput();
    send({ type: 'init-error', error: serializeError(err) });
    return;
  }
  // The runtime may send invocations before the previous one is done (dispatch.ts, DISPATCH): they
  // wait here and run one at a time, the next starting as soon as the previous has answered.
  const waiting: InvokeRequest[] = [];
  let running = false;
  const claims = new Int32Array(init.claims);
  const outcomes = new OutcomeWriter(init.outcomes);
  /** The next invocation still ours to run: one the runtime has taken back (to run elsewhere) has lost its claim. */
  const claimNext = (): InvokeRequest | undefined => {
    let next = waiting.shift();
    while (next && Atomics.compareExchange(claims, next.slot, next.ticket, 0) !== next.ticket) next = waiting.shift();
    return next;
  };
  const start = (req: InvokeRequest): void => {
    running = true;
    // As Lambda's Node.js runtime does for each invocation: the X-Ray SDK (and Powertools' Tracer)
    // read it, and log "Missing AWS Lambda trace data" on every traced call without it.
    process.env._X_AMZN_TRACE_ID = newLambdaTraceHeader(Date.now(), init.activeTracing);
    runHandler(handler, req).then(
      (result) => {
        // The Lambda runtime's own rule: the result as JSON, null for undefined; what JSON cannot carry fails the invocation.
        let resultJson: string;
        try {
          resultJson = JSON.stringify(result === undefined ? null : result) ?? 'null'; // a function or symbol: nothing to send
        } catch {
          const error = Object.assign(new Error('Unable to stringify response body'), { name: 'Runtime.JSONStringifyError' });
          return finished({ type: 'error', id: req.id, error: serializeError(error), output: takeOutput() });
        }
        finished({ type: 'result', id: req.id, resultJson, output: takeOutput() });
      },
      (err: unknown) => finished({ type: 'error', id: req.id, error: serializeError(err), output: takeOutput() }),
    );
  };
  /**
   * An invocation answered. When the next one waiting is batchable, a plain result goes to the
   * shared slots and is announced when this turn of the event loop ends, with the others that
   * finish in it; anything else goes as a message now. The runtime reads the slots whenever a
   * message comes and settles results in the order they ran, whichever way each came. Then the
   * next one starts.
   */
  const finished = (reply: InvocationReply): void => {
    const next = claimNext();
    if (
      next?.batchable &&
      reply.type === 'result' &&
      reply.output === undefined &&
      outcomes.tryWrite(reply.id, reply.resultJson, performance.timeOrigin + performance.now())
    ) {
      unannounced = true;
      if (!announceScheduled) {
        announceScheduled = true;
        setImmediate(announce);
      }
    } else send([reply]);
    if (next) start(next);
    else running = false;
  };
  port.on('message', (requests: WorkerCommand) => {
    waiting.push(...requests);
    if (running) return;
    const next = claimNext();
    if (next) start(next);
  });
  flushOutput();
  send({ type: 'ready' });
}

void main();
