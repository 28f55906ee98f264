/**
 * Routes' integrations: the Lambda proxy call behind a route (or the authorizer), the status API
 * Gateway derives from its result, and one record of each call for the log and the 'invocation'
 * event. API Gateway invokes a function only when the function's resource-based policy (its
 * AWS::Lambda::Permission resources) lets it, for the route's or authorizer's source ARN; without
 * that the call fails as an integration error.
 */
import type { AssemblyRoute, AuthorizerSpec } from '../assembly/app-spec';
import type { IamAuthority } from '../iam/authority';
import type { InvokeResult } from '../runtime/runtime';
import { invocationLogLine } from './access-log';
import type { EventType } from './events';

/** One finished integration call, for logs and tests. */
export interface InvocationRecord {
  readonly routeKey: string;
  readonly eventType: EventType | 'AUTHORIZER';
  readonly connectionId: string;
  /** HTTP-like status: the handler's statusCode, 200 by default, 500 on errors. */
  readonly status: number;
  readonly durationMs: number;
  readonly event: unknown;
  readonly result: InvokeResult;
}

/** Invokes a function; `eventJson`, when given, is JSON.stringify(event), already made. */
export type Invoke = (functionLogicalId: string, event: unknown, eventJson?: string) => Promise<InvokeResult>;

export interface IntegrationOptions {
  readonly invoke: Invoke;
  /** Whether API Gateway may invoke a function, by its permissions. */
  readonly iam: IamAuthority;
  /** `arn:aws:execute-api:<region>:<account>:<apiId>`, from which the source ARNs of invocations are made. */
  readonly apiArn: string;
  readonly stage: string;
  readonly log: (line: string) => void;
  /** Told of every call once it is logged. */
  readonly onInvocation: (record: InvocationRecord) => void;
}

/** The API Gateway service principal, as Lambda permissions name it. */
const API_GATEWAY = 'apigateway.amazonaws.com';

/** An integration that failed before any function ran. */
function failed(errorType: string, errorMessage: string): Promise<InvokeResult> {
  return Promise.resolve({ ok: false, requestId: '', durationMs: 0, error: { errorType, errorMessage, trace: [] } });
}

export class Integration {
  constructor(private readonly options: IntegrationOptions) {}

  /** Runs the route's Lambda proxy integration; a route without one, or without permission to invoke it, fails as API Gateway's would. */
  invokeRoute(route: AssemblyRoute, event: unknown, eventJson?: string): Promise<InvokeResult> {
    if (!route.functionLogicalId) return failed('Unsupported', `route ${route.routeKey} has no Lambda proxy integration`);
    // The source ARN of a route's invocations: <api ARN>/<stage>/<route key>.
    const decision = this.options.iam.allowsServiceInvoke(
      API_GATEWAY,
      route.functionLogicalId,
      `${this.options.apiArn}/${this.options.stage}/${route.routeKey}`,
    );
    if (!decision.allowed) return failed('AccessDeniedException', decision.message);
    return this.options.invoke(route.functionLogicalId, event, eventJson);
  }

  /** Runs an authorizer's function, when its permissions let API Gateway invoke it. */
  invokeAuthorizer(authorizer: AuthorizerSpec, event: unknown): Promise<InvokeResult> {
    const decision = this.options.iam.allowsServiceInvoke(
      API_GATEWAY,
      authorizer.functionLogicalId,
      `${this.options.apiArn}/authorizers/${authorizer.id}`,
    );
    if (!decision.allowed) return failed('AccessDeniedException', decision.message);
    return this.options.invoke(authorizer.functionLogicalId, event);
  }

  /** Logs one call (and its error) and reports it. */
  record(record: InvocationRecord): void {
    const { eventType, routeKey, connectionId, status, durationMs } = record;
    this.options.log(invocationLogLine(eventType, routeKey, connectionId, status, durationMs));
    if (!record.result.ok) {
      this.options.log(`  ${record.result.error.errorType}: ${record.result.error.errorMessage}`);
    }
    this.options.onInvocation(record);
  }
}

/** The status API Gateway takes from a Lambda proxy result: its statusCode, 200 without one, 500 on an error. */
export function invocationStatus(result: InvokeResult): number {
  if (!result.ok) return 500;
  const status = (result.result as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : 200;
}
