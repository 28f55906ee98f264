/**
 * Amazon EventBridge (`events`), locally: PutEvents on the AWS JSON 1.1 protocol to the default bus
 * and the app's buses, under IAM (events:PutEvents on each bus); each accepted event is matched
 * against the enabled rules of its bus (event-pattern.ts) and delivered to their Lambda targets
 * as an asynchronous invocation, in the shape EventBridge delivers it or as the target's input
 * says (target-input.ts), when the function's resource policy lets EventBridge invoke it.
 * Functions reach it as events.<region>.amazonaws.com, so a default EventBridgeClient works.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventRuleSpec, EventTargetSpec } from '../../assembly/app-spec';
import { fromBrowser, hostAllowed } from '../../http/request-guard';
import { signingKeyOf } from '../../iam/principals';
import { AwsJsonError, readJsonRequest, sendJson, sendJsonError } from '../json-protocol';
import type { LocalService, ServiceContext, ServiceDefinition } from '../service';
import { matchesPattern, patternProblem } from './event-pattern';
import { checkPutEvents, PUT_EVENTS_LIMITS, type AcceptedEvent } from './put-events';
import { targetInput, type BusEvent } from './target-input';

/** The prefix of every operation's `X-Amz-Target`. */
const TARGET_PREFIX = 'AWSEvents';
/** The request's JSON around the entries: room for its keys and escaping beyond the entries' 1 MB. */
const MAX_BODY_BYTES = 4 * PUT_EVENTS_LIMITS.requestBytes;

export const EVENTS: ServiceDefinition = {
  title: 'EventBridge',
  endpointPrefix: 'events',
  endpointVariable: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  // Every account has its default bus: a function may put events on it whether or not the template has rules.
  needed: () => true,
  create: (context) => new LocalEventBridge(context),
};

/** A rule the emulator matches: enabled, with a valid pattern. */
interface ActiveRule {
  readonly spec: EventRuleSpec;
  readonly pattern: Readonly<Record<string, unknown>>;
}

export class LocalEventBridge implements LocalService {
  private readonly rules: readonly ActiveRule[];
  private readonly deliveries = new Set<Promise<void>>();

  constructor(private readonly context: ServiceContext) {
    const active: ActiveRule[] = [];
    for (const rule of context.app.eventRules) {
      if (rule.eventPattern === undefined || rule.state === 'DISABLED') continue;
      const problem = patternProblem(rule.eventPattern);
      if (problem) {
        context.log(
          `warning: rule ${rule.logicalId} never matches: its EventPattern is not valid (${problem}); EventBridge would refuse it`,
        );
        continue;
      }
      active.push({ spec: rule, pattern: rule.eventPattern as Record<string, unknown> });
    }
    this.rules = active;
  }

  bannerLines(): readonly string[] {
    return this.rules.map(({ spec }) => {
      const targets = spec.targets.map((t) => t.functionLogicalId ?? `${t.id} (not delivered)`).join(', ');
      return `  Rule          ${spec.name} on bus ${spec.busName} -> ${targets || 'no targets'}`;
    });
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    this.serve(req, res).catch((err: unknown) => {
      this.context.log(`EVENTS     ${req.method} ${req.url} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent)
        sendJsonError(res, new AwsJsonError('InternalException', 'The local EventBridge failed; see the emulator log.', 500));
      else res.end();
    });
  }

  /** Resolves once every delivery started so far has run. */
  async settled(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }

  async stop(): Promise<void> {
    await this.settled();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, '127.0.0.1') || fromBrowser(req.headers)) {
      req.resume();
      return sendJsonError(
        res,
        new AwsJsonError('AccessDeniedException', 'The local EventBridge answers programs on this machine only.', 403),
      );
    }
    let operation = '(none)';
    try {
      const request = await readJsonRequest(req, TARGET_PREFIX, MAX_BODY_BYTES);
      operation = request.operation;
      if (operation !== 'PutEvents') {
        throw new AwsJsonError(
          'UnknownOperationException',
          `The Switchboard emulator's EventBridge does not implement ${operation}; it answers PutEvents.`,
        );
      }
      const checked = checkPutEvents(request.body, this.context.app, this.context.clock.now());
      this.authorize(
        req,
        checked.buses.map((bus) => bus.arn),
      );
      const failed = checked.results.filter((r) => 'ErrorCode' in r).length;
      sendJson(res, { FailedEntryCount: failed, Entries: checked.results });
      this.context.log(`EVENTS     PutEvents 200 (${checked.accepted.length} accepted${failed ? `, ${failed} failed` : ''})`);
      for (const accepted of checked.accepted) this.route(accepted);
    } catch (err: unknown) {
      if (!(err instanceof AwsJsonError)) throw err;
      sendJsonError(res, err);
      this.context.log(`EVENTS     ${operation} ${err.status} (${err.type})`);
    }
  }

  /** events:PutEvents on every bus the request puts events on. */
  private authorize(req: IncomingMessage, busArns: readonly string[]): void {
    const principal = this.context.iam.principalOf(req);
    if (!principal) {
      if (signingKeyOf(req) === undefined)
        throw new AwsJsonError(
          'MissingAuthenticationTokenException',
          'PutEvents needs AWS credentials (a SigV4-signed request); it was not signed.',
          403,
        );
      throw new AwsJsonError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    for (const arn of busArns) {
      const decision = this.context.iam.authorize(principal, 'events:PutEvents', arn);
      if (!decision.allowed) throw new AwsJsonError('AccessDeniedException', decision.message);
    }
  }

  /** Sends the event to the targets of every enabled rule of its bus that matches it. */
  private route({ bus, event }: AcceptedEvent): void {
    const ingestionTime = new Date(this.context.clock.now()).toISOString();
    for (const { spec, pattern } of this.rules) {
      if (spec.busName !== bus.name || !matchesPattern(pattern, event)) continue;
      for (const target of spec.targets) {
        if (target.functionLogicalId === undefined) continue;
        const delivery = this.deliver(spec, target, target.functionLogicalId, event, ingestionTime);
        this.deliveries.add(delivery);
        void delivery.finally(() => this.deliveries.delete(delivery));
      }
    }
  }

  /** One asynchronous invocation of a target function, as EventBridge makes it. */
  private async deliver(
    rule: EventRuleSpec,
    target: EventTargetSpec,
    functionLogicalId: string,
    event: BusEvent,
    ingestionTime: string,
  ): Promise<void> {
    const line = `EVENTS     rule ${rule.name} -> ${functionLogicalId}`;
    // On AWS the function's resource policy must let events.amazonaws.com invoke it for the rule (CDK's LambdaFunction target adds it).
    const permission = this.context.iam.allowsServiceInvoke('events.amazonaws.com', functionLogicalId, rule.arn);
    if (!permission.allowed) {
      this.context.log(
        `${line} not delivered: the function's resource policy does not let events.amazonaws.com invoke it for ${rule.arn} (add an AWS::Lambda::Permission with that SourceArn; CDK's targets.LambdaFunction adds it)`,
      );
      return;
    }
    let input: unknown;
    try {
      input = targetInput(target, event, { ruleArn: rule.arn, ruleName: rule.name, ingestionTime });
    } catch (err: unknown) {
      this.context.log(`${line} not delivered: ${(err as Error).message}`);
      return;
    }
    try {
      const result = await this.context.invoke(functionLogicalId, input);
      const outcome = result.ok ? 'ok' : `failed (${result.error.errorType}: ${result.error.errorMessage}; not retried locally)`;
      this.context.log(`${line} ${outcome} ${result.durationMs.toFixed(1)}ms`);
    } catch (err: unknown) {
      this.context.log(`${line} not delivered: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
