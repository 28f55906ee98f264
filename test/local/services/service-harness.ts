/**
 * Runs one emulated AWS service on a loopback port, as the emulator does (local/services/service.ts),
 * with the context a test gives it: the app, an IAM authority, a clock and a way to invoke functions.
 */
import { emptySpecDraft, type WebSocketAppSpec } from '../../../local/assembly/app-spec';
import { HttpListener } from '../../../local/http/listener';
import type { AccessDecision, IamAuthority } from '../../../local/iam/authority';
import { PrincipalDirectory, type Principal, type PrincipalSource } from '../../../local/iam/principals';
import type { LocalService, ServiceContext, ServiceDefinition } from '../../../local/services/service';
import { systemClock } from '../../../protocol/clock';

export interface RunningTestService<S extends LocalService = LocalService> {
  readonly service: S;
  /** `http://127.0.0.1:<port>`, for an SDK client's `endpoint`. */
  readonly endpoint: string;
  readonly hostPort: string;
  readonly log: string[];
  stop(): Promise<void>;
}

/** Starts `definition` for `app` on a free loopback port; `context` replaces parts of the default context. */
export async function startService<S extends LocalService = LocalService>(
  definition: ServiceDefinition,
  app: WebSocketAppSpec,
  context: Partial<Omit<ServiceContext, 'app' | 'address' | 'log'>> = {},
): Promise<RunningTestService<S>> {
  const listener = await HttpListener.bind('127.0.0.1', 0);
  const log: string[] = [];
  const service = definition.create({
    app,
    address: listener.address,
    clock: systemClock,
    log: (line) => log.push(line),
    iam: context.iam ?? testIam(app, []),
    invoke: () => Promise.reject(new Error('this test runs no functions')),
    ...context,
  }) as S;
  listener.serve({ handleRequest: (req, res) => service.handleRequest(req, res), handleUpgrade: (_req, socket) => socket.destroy() });
  return {
    service,
    endpoint: `http://${listener.address.hostPort}`,
    hostPort: listener.address.hostPort,
    log,
    async stop() {
      await service.stop();
      await listener.close();
    },
  };
}

/**
 * An IAM authority that tells callers apart as the emulator does and asks `decide` for functions'
 * calls (the developer may do everything): by default every call is allowed.
 */
export function testIam(
  app: Pick<WebSocketAppSpec, 'stackName' | 'accountId'>,
  functions: readonly PrincipalSource[],
  decide: (principal: Principal, action: string, resource: string) => AccessDecision = () => ({ allowed: true }),
): IamAuthority & { readonly principals: PrincipalDirectory } {
  const principals = new PrincipalDirectory(app, functions);
  return {
    principals,
    enforcing: true,
    principalOf: (request) => principals.principalOf(request),
    authorize: (principal, action, resource) => (principal.kind === 'developer' ? { allowed: true } : decide(principal, action, resource)),
    allowsServiceInvoke: () => ({ allowed: true }),
  };
}

/** A WebSocketAppSpec with nothing in it but what `parts` gives. */
export function testApp(parts: Partial<WebSocketAppSpec> = {}): WebSocketAppSpec {
  return {
    ...emptySpecDraft(),
    assemblyDir: '/none',
    stackName: 'Unit',
    region: 'us-east-1',
    accountId: '123456789012',
    urlSuffix: 'amazonaws.com',
    apiLogicalId: 'Api',
    apiName: 'Unit',
    apiId: 'unitapi123',
    stage: 'dev',
    routeSelectionExpression: '$request.body.action',
    outputs: {},
    ...parts,
  };
}
