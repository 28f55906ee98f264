/**
 * What an emulated AWS service is to the emulator. Each lives in a folder of its own under
 * local/services/ and is listed once in local/services/index.ts; the emulator binds a port for
 * each one the app needs, routes the functions' requests for the service's AWS host name there
 * (so default SDK clients reach it, as in Lambda), and serves it once the functions exist.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../protocol/clock';
import type { WebSocketAppSpec } from '../assembly/app-spec';
import type { BoundAddress } from '../http/listener';
import type { IamAuthority } from '../iam/authority';
import type { LocalIssuer } from '../issuer/issuer';
import type { InvokeResult } from '../runtime/runtime';

/** Everything a service may use; built before it is created. */
export interface ServiceContext {
  readonly app: WebSocketAppSpec;
  /** Where the service listens, for the URLs it hands out (e.g. queue URLs). */
  readonly address: BoundAddress;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Who signed a request, and whether they may do what it asks. */
  readonly iam: IamAuthority;
  /**
   * Runs one invocation of an app function, by logical id, and resolves with its outcome. It waits
   * for a free concurrent execution when the function is at its limit, as Lambda's event queue and
   * event source mappings do, instead of failing.
   */
  readonly invoke: (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;
  /** The key the app's Cognito user pools sign tokens with; undefined when the app has none. */
  readonly localIssuer?: LocalIssuer;
}

/** A running service: it answers HTTP requests on its port. */
export interface LocalService {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Lines for the start banner, e.g. its queues. @default none */
  bannerLines?(): readonly string[];
  /** Resolves once the work it has started (deliveries to functions) is done. @default at once */
  settled?(): Promise<void>;
  /** Stops its own timers and work; the emulator closes the port. */
  stop(): Promise<void>;
}

/** One service the emulator can run. */
export interface ServiceDefinition {
  /** Its name in the start banner, as AWS writes it: `SQS`, `EventBridge`, `Cognito`. */
  readonly title: string;
  /** AWS's endpoint prefix, the first label of its regional host name: `sqs`, `events`, `cognito-idp`. */
  readonly endpointPrefix: string;
  /** The SDK's environment variable for its endpoint, e.g. `AWS_ENDPOINT_URL_SQS`, for the banner and callers. */
  readonly endpointVariable: string;
  /** Whether the app uses it, so the emulator starts it. */
  needed(app: WebSocketAppSpec): boolean;
  create(context: ServiceContext): LocalService;
}
