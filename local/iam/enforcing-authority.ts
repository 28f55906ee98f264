/**
 * IAM on (the default): every AWS call a function makes is authorized against its execution
 * role's policies as the template sets them, and every invocation by an AWS service against the
 * function's resource-based policy (its AWS::Lambda::Permission resources), as AWS does. Each
 * denial is logged with the function, the action, the resource and the CDK grant that would allow
 * it; what the emulator cannot evaluate is logged once.
 */
import type { WebSocketAppSpec } from '../assembly/app-spec';
import type { Clock } from '../../protocol/clock';
import { callerOf, type AccessDecision, type IamAuthority } from './authority';
import { evaluate, type RequestPrincipal } from './evaluate';
import { grantFor, invokePermissionFor } from './grants';
import { iamModel, IAM_OFF_HINT, type IamModel } from './policy-model';
import type { FunctionPrincipal, PrincipalDirectory } from './principals';
import { requestContext, type ContextValue } from './request-context';
import type { PolicyStatement } from './policy';

export interface EnforcingAuthorityOptions {
  /** The app being served: reload() may replace it, with policies of its own. */
  readonly app: () => WebSocketAppSpec;
  readonly principals: PrincipalDirectory;
  readonly log: (line: string) => void;
  /** Gives `aws:CurrentTime` and `aws:EpochTime`. */
  readonly clock: Pick<Clock, 'now'>;
}

/** The log's first column for IAM's lines, as wide as the gateway's. */
const IAM_LOG = 'IAM       ';

/**
 * Why a function's call signed with the fake shared credentials file's keys is refused: on Lambda
 * there is no such file, so naming a profile finds no credentials at all.
 */
export const SHARED_FILE_DENIAL =
  'The security token included in the request is invalid: it was signed with the keys of a profile in a shared credentials file ' +
  '(~/.aws/credentials), which Lambda does not have, so on AWS this client would find no credentials. ' +
  "Let the SDK use the function's own credentials (no profile option, no AWS_PROFILE), or run the emulator with --iam off.";

/** AWS's text for an identity-based denial. */
export function identityDenialMessage(sessionArn: string, action: string, resource: string, explicit: boolean): string {
  const why = explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${sessionArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

/** Enforces IAM for the app `options.app()` serves; its warnings are logged now, and when a reload brings new ones. */
export function enforceIam(options: EnforcingAuthorityOptions): IamAuthority {
  const { principals, log, clock } = options;
  const logged = new Set<string>();
  const once = (line: string) => {
    if (logged.has(line)) return;
    logged.add(line);
    log(line);
  };
  let current: { app: WebSocketAppSpec; model: IamModel } | undefined;
  /**
   * API Gateway's and EventBridge's invocations allowed so far, by service, function and source:
   * asked once per message, and the same answer until the policies change (a reload) or a condition
   * reads the time. Only allowances are kept: a denial is evaluated, and logged, each time.
   */
  let serviceInvokes = new Set<string>();
  const model = (): IamModel => {
    const app = options.app();
    if (current?.app !== app) {
      current = { app, model: iamModel(app) };
      serviceInvokes = new Set();
      for (const warning of current.model.warnings) once(`warning: IAM: ${warning}`);
    }
    return current.model;
  };
  model();

  const timeKeys = () => {
    const now = clock.now();
    return { 'aws:CurrentTime': new Date(now).toISOString(), 'aws:EpochTime': String(Math.floor(now / 1000)) };
  };
  const reportUnevaluated = (unevaluated: readonly string[]) => {
    for (const what of unevaluated) once(`${IAM_LOG} not evaluated: ${what}; the emulator treats it as matching`);
  };

  const authorizeFunction = (
    principal: FunctionPrincipal,
    action: string,
    resource: string,
    extra: Readonly<Record<string, ContextValue>>,
  ): AccessDecision => {
    const app = options.app();
    const iam = model();
    // The role as the app being served names it (a reload may change it), else as at start.
    const roleArn = app.functions.get(principal.functionLogicalId)?.roleArn ?? principal.roleArn;
    const identity = roleArn === undefined ? [] : (iam.identityStatements(roleArn) ?? []);
    const context = requestContext({
      'aws:PrincipalAccount': app.accountId,
      'aws:PrincipalArn': roleArn,
      'aws:PrincipalType': 'AssumedRole',
      'aws:PrincipalIsAWSService': 'false',
      'aws:ViaAWSService': 'false',
      'aws:RequestedRegion': /^arn:[^:]+:[^:]+:([^:]+):/.exec(resource)?.[1] || app.region,
      // On AWS every call is made over TLS; locally the last hop is plain http.
      'aws:SecureTransport': 'true',
      'aws:username': undefined,
      ...timeKeys(),
      ...extra,
    });
    // A function's own resource policy may allow a caller too (lambda:InvokeFunction from another function).
    const target = action.toLowerCase().startsWith('lambda:') ? iam.functionOfArn(resource) : undefined;
    const caller: RequestPrincipal = { kind: 'role-session', accountId: app.accountId, roleArn, sessionArn: principal.sessionArn };
    const result = evaluate(
      { action, resource, context },
      identity,
      target === undefined ? undefined : { statements: iam.functionPolicy(target), principal: caller },
    );
    reportUnevaluated(result.unevaluated);
    if (result.outcome === 'allow') return { allowed: true };
    const explicit = result.outcome === 'explicit-deny';
    const reason = explicit ? `denied by ${result.statement!.source}` : 'no identity-based policy allows it';
    log(
      `${IAM_LOG} denied ${principal.functionLogicalId} ${action} on ${resource}: ${reason}; ` +
        (explicit ? 'remove that Deny' : `to allow it: ${grantFor(action, resource)}`) +
        ` (or ${IAM_OFF_HINT})`,
    );
    return {
      allowed: false,
      denial: explicit ? 'explicit' : 'implicit',
      message: identityDenialMessage(principal.sessionArn, action, resource, explicit),
    };
  };

  return {
    enforcing: true,
    principalOf: (request) => callerOf(principals, request),
    authorize(principal, action, resource, extra = {}) {
      switch (principal.kind) {
        case 'developer':
          return { allowed: true };
        case 'shared-credentials-file':
          log(
            `${IAM_LOG} denied ${action} on ${resource}: signed with the fake shared credentials file's keys, which Lambda does not have`,
          );
          return { allowed: false, denial: 'credentials', message: SHARED_FILE_DENIAL };
        case 'function':
          return authorizeFunction(principal, action, resource, extra);
      }
    },
    allowsServiceInvoke(service, functionLogicalId, sourceArn) {
      const app = options.app();
      const iam = model();
      const key = `${service}\n${functionLogicalId}\n${sourceArn}`;
      if (serviceInvokes.has(key)) return { allowed: true };
      const functionArn = iam.functionArn(functionLogicalId) ?? functionLogicalId;
      const action = 'lambda:InvokeFunction';
      const context = requestContext({
        'aws:SourceArn': sourceArn,
        'aws:SourceAccount': app.accountId,
        'aws:PrincipalServiceName': service,
        'aws:PrincipalIsAWSService': 'true',
        'aws:SecureTransport': 'true',
        ...timeKeys(),
      });
      const result = evaluate({ action, resource: functionArn, context }, [], {
        statements: iam.functionPolicy(functionLogicalId),
        principal: { kind: 'service', service },
      });
      reportUnevaluated(result.unevaluated);
      if (result.outcome === 'allow') {
        if (!iam.functionPolicy(functionLogicalId).some(readsTheTime)) serviceInvokes.add(key);
        return { allowed: true };
      }
      log(
        `${IAM_LOG} denied ${service} ${action} on function ${functionLogicalId} for ${sourceArn}: ` +
          `no AWS::Lambda::Permission of the function allows it; ${invokePermissionFor(service, sourceArn)} (or ${IAM_OFF_HINT})`,
      );
      return {
        allowed: false,
        denial: 'implicit',
        message: `${service} is not authorized to perform: ${action} on resource: ${functionArn} because no resource-based policy allows the ${action} action`,
      };
    },
  };
}

/** Whether a statement's conditions read the time of the request, so its answer may change from one call to the next. */
function readsTheTime(statement: PolicyStatement): boolean {
  return Object.values(statement.condition ?? {}).some((keys) =>
    Object.keys(keys).some((key) => ['aws:currenttime', 'aws:epochtime'].includes(key.toLowerCase())),
  );
}
