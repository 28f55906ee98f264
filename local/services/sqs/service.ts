/**
 * The local SQS: the app's queues (in memory), answered on both of SQS's wire protocols, and
 * Lambda's pollers for the app's SQS event source mappings. Functions reach it under SQS's AWS host
 * name (`sqs.<region>.amazonaws.com`), so default clients and queue URLs work unchanged; the
 * developer's programs reach it at `emulator.serviceEndpoints.sqs`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventSourceMappingSpec, WebSocketAppSpec } from '../../assembly/app-spec';
import { readBody } from '../../http/request-body';
import { fromBrowser, hostAllowed } from '../../http/request-guard';
import type { IamAuthority } from '../../iam/authority';
import { functionAccessKeyId, signingKeyOf, type Principal } from '../../iam/principals';
import { DEFAULT_POLLER_CONCURRENCY, SqsPoller } from '../lambda/sqs-poller';
import type { LocalService, ServiceContext, ServiceDefinition } from '../service';
import { SqsActions } from './actions';
import { SQS_ERRORS, SqsError } from './errors';
import { isJsonRequest, readJsonRequest, writeJsonError, writeJsonResult } from './json-protocol';
import { missingAction, queryParameters, readQueryRequest, writeQueryError, writeQueryResult } from './query-protocol';
import type { Queue } from './queue';
import { QueueDirectory } from './queues';

/**
 * The largest request read: a batch of 1 MiB of messages, written as JSON whose escapes can make
 * each character up to six.
 */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/** What the function's role must allow on the queue for Lambda to create the mapping. */
const MAPPING_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

export const SQS: ServiceDefinition = {
  title: 'SQS',
  endpointPrefix: 'sqs',
  endpointVariable: 'AWS_ENDPOINT_URL_SQS',
  needed: (app) => app.queues.length > 0,
  create: (context) => new SqsService(context),
};

type Protocol = 'json' | 'query';

export class SqsService implements LocalService {
  readonly queues: QueueDirectory;
  private readonly actions: SqsActions;
  private readonly pollers: SqsPoller[] = [];
  private readonly notes: string[] = [];

  constructor(private readonly context: ServiceContext) {
    const { app, clock, iam } = context;
    this.queues = new QueueDirectory(app.queues, app.accountId, clock);
    this.actions = new SqsActions(this.queues, iam, clock, app);
    for (const mapping of app.eventSourceMappings) this.startMapping(mapping);
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const requestId = randomUUID();
    const protocol: Protocol = isJsonRequest(req.headers) ? 'json' : 'query';
    this.serve(req, res, requestId, protocol).catch((err: unknown) => {
      const error = err instanceof SqsError ? err : undefined;
      if (!error) this.context.log(`SQS        internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const answer =
        error ??
        new SqsError(
          'com.amazonaws.sqs#InternalError',
          'InternalError',
          500,
          'We encountered an internal error. Please try again.',
          'Receiver',
        );
      if (protocol === 'json') writeJsonError(res, requestId, answer);
      else writeQueryError(res, requestId, answer);
    });
  }

  bannerLines(): readonly string[] {
    const lines = this.queues.all().map((queue) => {
      const { spec } = queue;
      const marks = [
        spec.fifo ? 'FIFO' : '',
        spec.redrivePolicy ? `dead letters after ${spec.redrivePolicy.maxReceiveCount} receives` : '',
      ];
      return `  Queue         ${spec.queueUrl}${marks.some(Boolean) ? ` (${marks.filter(Boolean).join('; ')})` : ''}`;
    });
    return [...lines, ...this.notes];
  }

  /** Resolves once every polled queue has nothing to receive now and no batch runs (messages waiting out a delay or visibility timeout are not waited for). */
  async settled(): Promise<void> {
    for (;;) {
      const busy = this.pollers.filter((poller) => !poller.idle);
      if (busy.length === 0) return;
      await Promise.all(busy.map((poller) => poller.whenIdle()));
    }
  }

  stop(): Promise<void> {
    for (const poller of this.pollers) poller.stop();
    this.actions.stop();
    this.queues.stop();
    return Promise.resolve();
  }

  private async serve(req: IncomingMessage, res: ServerResponse, requestId: string, protocol: Protocol): Promise<void> {
    // Programs on this machine only: never a web page, nor a name another site resolved to loopback.
    if (!hostAllowed(req.headers.host, '127.0.0.1') || fromBrowser(req.headers)) {
      throw SQS_ERRORS.accessDenied(
        "The emulator's SQS answers only programs on this machine (the AWS SDK, the AWS CLI, curl), never web pages.",
      );
    }
    const url = new URL(req.url ?? '/', 'http://local');
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (body === undefined) throw SQS_ERRORS.malformedRequest(`The request is longer than ${MAX_REQUEST_BYTES} bytes.`);
    let request: { action: string; input: Readonly<Record<string, unknown>> };
    if (protocol === 'json') request = readJsonRequest(req.headers, body);
    else {
      const parameters = queryParameters(url, req.headers['content-type'], body);
      if (!parameters) throw missingAction();
      request = readQueryRequest(parameters, url);
    }
    const principal = this.principalOf(req);
    // A long poll ends when its caller goes away, so no message is received for nobody.
    const leaving = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) leaving.abort();
    });
    const output = await this.actions.run(request.action, { input: request.input, principal, signal: leaving.signal });
    if (res.destroyed) return;
    if (protocol === 'json') writeJsonResult(res, requestId, output);
    else writeQueryResult(res, requestId, request.action, output);
  }

  /** Who signed the request; with IAM off, an unsigned request is the developer's. */
  private principalOf(req: IncomingMessage): Principal {
    const { iam } = this.context;
    const principal = iam.principalOf(req);
    if (principal) return principal;
    if (!iam.enforcing) return { kind: 'developer' };
    throw signingKeyOf(req) === undefined ? SQS_ERRORS.missingAuthenticationToken() : SQS_ERRORS.invalidClientTokenId();
  }

  private startMapping(mapping: EventSourceMappingSpec): void {
    const { app, iam, clock, log, invoke } = this.context;
    const queue = this.queues.byArn(mapping.queueArn)!;
    const fn = app.functions.get(mapping.functionLogicalId)!;
    const name = `event source mapping ${mapping.logicalId} (${queue.spec.queueName} -> ${fn.functionName})`;
    if (!mapping.enabled) {
      this.notes.push(`  Polling       ${name}: disabled (Enabled: false)`);
      return;
    }
    const denial = mappingDenial(iam, app, mapping, queue);
    if (denial) {
      log(
        `error: ${name} does not poll: ${denial}. Lambda refuses to create a mapping whose function's role may not ${MAPPING_ACTIONS.join(', ')} on the queue.`,
      );
      // In the banner too, which --quiet still prints.
      this.notes.push(`  Polling       ${name}: not polling, as its role lacks a grant: ${denial}`);
      return;
    }
    const poller = new SqsPoller({ mapping, queue, functionName: fn.functionName, region: app.region, clock, invoke, log });
    this.pollers.push(poller);
    const settings = [
      `batch ${mapping.batchSize}`,
      mapping.maximumBatchingWindowSeconds > 0 ? `window ${mapping.maximumBatchingWindowSeconds}s` : '',
      mapping.reportBatchItemFailures ? 'ReportBatchItemFailures' : '',
      `${mapping.maximumConcurrency ?? DEFAULT_POLLER_CONCURRENCY} at once`,
    ].filter(Boolean);
    this.notes.push(`  Polling       ${queue.spec.queueName} -> ${fn.functionName} (${settings.join(', ')})`);
    poller.start();
  }
}

/**
 * IAM's refusal of one of the actions the mapping needs, asked as the function's execution role
 * (the principal its own signed requests have, as Lambda's poller uses that role); undefined when allowed.
 */
function mappingDenial(iam: IamAuthority, app: WebSocketAppSpec, mapping: EventSourceMappingSpec, queue: Queue): string | undefined {
  const key = functionAccessKeyId(app.stackName, mapping.functionLogicalId);
  const principal = iam.principalOf({ headers: { authorization: `AWS4-HMAC-SHA256 Credential=${key}/` } });
  if (!principal) return undefined;
  for (const action of MAPPING_ACTIONS) {
    const decision = iam.authorize(principal, action, queue.spec.arn);
    if (!decision.allowed) return decision.message;
  }
  return undefined;
}
