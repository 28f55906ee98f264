/**
 * Who makes each AWS call the emulator serves. On AWS a function calls with the temporary
 * credentials of its execution role (an assumed-role session named after the function), and every
 * service sees the caller in the request's SigV4 signature. Here each function gets keys of its
 * own, so every local service can tell which function called, and so which role's policies apply.
 * Requests signed with the emulator's LOCAL_CREDENTIALS come from the developer's own programs on
 * this machine (tests, the CLI, a backend): an administrator, as a developer's AWS keys usually are.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';

/** The caller of an AWS request. */
export type Principal =
  /** The developer's own programs (LOCAL_CREDENTIALS, or any key the emulator never gave out): every action is allowed. */
  | { readonly kind: 'developer' }
  /** A function that signed with the keys of the emulator's stand-in shared credentials file: see {@link SHARED_FILE_CREDENTIALS}. */
  | { readonly kind: 'shared-credentials-file' }
  | FunctionPrincipal;

/**
 * The keys in the fake `~/.aws/credentials` and `config` that functions see (every profile name
 * the developer uses has them). Lambda has no such file: on AWS a function that names a profile
 * finds no credentials. So a request signed with these is refused while IAM is on, with a message
 * saying why, rather than passing as someone it is not.
 */
export const SHARED_FILE_CREDENTIALS = { accessKeyId: 'AKIALOCALPROFILEFILE', secretAccessKey: 'local-shared-credentials-file' } as const;

/** A function's execution role session, as AWS names it in errors and `GetCallerIdentity`. */
export interface FunctionPrincipal {
  readonly kind: 'function';
  readonly functionLogicalId: string;
  readonly functionName: string;
  /** The execution role's ARN; undefined when the template gives the function none the emulator can read. */
  readonly roleArn?: string;
  /** `arn:<partition>:sts::<account>:assumed-role/<role name>/<function name>` */
  readonly sessionArn: string;
}

/** A function's credentials, as Lambda puts them in its environment. */
export interface FunctionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** The function a principal is made for. */
export interface PrincipalSource {
  readonly logicalId: string;
  readonly functionName: string;
  readonly roleArn?: string;
}

/**
 * A function's access key id: `ASIA` (AWS's prefix for temporary keys) and 16 characters derived
 * from the stack and the function, so it is stable across restarts and never the developer's.
 */
export function functionAccessKeyId(stackName: string, functionLogicalId: string): string {
  const digest = createHash('sha256').update(`${stackName}/${functionLogicalId}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'ASIA';
  for (let i = 0; i < 16; i++) id += alphabet[digest[i] % alphabet.length];
  return id;
}

/** Every caller the emulator knows, by the access key id it signs with. */
export class PrincipalDirectory {
  private readonly byAccessKey = new Map<string, { principal: FunctionPrincipal; credentials: FunctionCredentials }>();

  constructor(
    stack: { readonly stackName: string; readonly accountId: string; readonly partition?: string },
    functions: Iterable<PrincipalSource>,
  ) {
    for (const fn of functions) {
      const accessKeyId = functionAccessKeyId(stack.stackName, fn.logicalId);
      const roleName = fn.roleArn?.slice(fn.roleArn.lastIndexOf('/') + 1) ?? `${fn.functionName}-role`;
      const principal: FunctionPrincipal = {
        kind: 'function',
        functionLogicalId: fn.logicalId,
        functionName: fn.functionName,
        roleArn: fn.roleArn,
        sessionArn: `arn:${stack.partition ?? 'aws'}:sts::${stack.accountId}:assumed-role/${roleName}/${fn.functionName}`,
      };
      // The secret is never checked (no service here verifies signatures); it only has to look like one.
      const credentials = { accessKeyId, secretAccessKey: `local-${accessKeyId}`, sessionToken: `local-session-${accessKeyId}` };
      this.byAccessKey.set(accessKeyId, { principal, credentials });
    }
  }

  /** The credentials a function runs with. */
  credentialsOf(functionLogicalId: string): FunctionCredentials | undefined {
    for (const entry of this.byAccessKey.values()) if (entry.principal.functionLogicalId === functionLogicalId) return entry.credentials;
    return undefined;
  }

  /** Who signed with `accessKeyId`: a function, the developer, the fake credentials file, or undefined for a key the emulator never gave out. */
  principalOfKey(accessKeyId: string | undefined): Principal | undefined {
    if (accessKeyId === undefined) return undefined;
    if (accessKeyId === LOCAL_CREDENTIALS.accessKeyId) return { kind: 'developer' };
    if (accessKeyId === SHARED_FILE_CREDENTIALS.accessKeyId) return { kind: 'shared-credentials-file' };
    return this.byAccessKey.get(accessKeyId)?.principal;
  }

  /** Who signed a request (see {@link signingKeyOf}). */
  principalOf(request: { readonly headers: IncomingHttpHeaders; readonly url?: string }): Principal | undefined {
    return this.principalOfKey(signingKeyOf(request));
  }
}

/**
 * The access key id a request is signed with: from SigV4's `Authorization` header
 * (`AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...`), or from a
 * presigned URL's `X-Amz-Credential`. Undefined for an unsigned request.
 */
export function signingKeyOf(request: { readonly headers: IncomingHttpHeaders; readonly url?: string }): string | undefined {
  const header: string | undefined = request.headers.authorization;
  const fromHeader = header === undefined ? undefined : /Credential=([^/,\s]+)\//.exec(header)?.[1];
  if (fromHeader !== undefined) return fromHeader;
  if (request.url === undefined) return undefined;
  const credential = new URL(request.url, 'http://local').searchParams.get('X-Amz-Credential');
  return credential?.split('/')[0] || undefined;
}
