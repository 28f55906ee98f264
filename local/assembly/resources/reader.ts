/**
 * What a resource reader is: everything the emulator knows about one CloudFormation resource
 * type. The stack reader (../stack-reader.ts) names every resource first, then resolves
 * properties (whose intrinsics name other resources), then lets each reader contribute to the spec.
 */
import type { SpecDraft } from '../app-spec';

/** The stack being read, and the AWS environment its names and ARNs are made for. */
export interface StackIdentity {
  readonly assemblyDir: string;
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** AWS::Partition: aws, aws-cn or aws-us-gov. */
  readonly partition: string;
  /** AWS::URLSuffix: amazonaws.com, or amazonaws.com.cn in China. */
  readonly urlSuffix: string;
}

/** One resource of the template. */
export interface StackResource {
  readonly logicalId: string;
  readonly type: string;
  /** As written in the template: intrinsics not resolved. */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A resource with its physical id, from which `Ref` and `Fn::GetAtt` answers are made. */
export interface NamedResource extends StackResource {
  readonly physicalId: string;
}

/** What readers see while contributing: the stack, its resources, and intrinsics resolved to local values. */
export interface StackReading {
  readonly stack: StackIdentity;
  /** The WebSocket API the app is built around (the stack has exactly one). */
  readonly apiLogicalId: string;
  /** The spec so far; readers add to it. */
  readonly spec: SpecDraft;
  /** The resource with this logical id, or undefined. */
  resource(logicalId: string): StackResource | undefined;
  /** Every resource of this type, in template order. */
  resourcesOfType(type: string): readonly StackResource[];
  /** The physical id of a resource of the stack (its logical id when it has no other). */
  physicalId(logicalId: string): string;
  /** What `Ref` to a resource or parameter gives, or undefined when the template has no such id. */
  ref(logicalId: string): string | undefined;
  /** Resolves every intrinsic inside `value`. */
  resolveValue(value: unknown): unknown;
  /** Resolves `value` to a string; throws IntrinsicError naming what cannot be resolved. */
  resolveString(value: unknown): string;
  /** A string property, literal or intrinsic, or `fallback` when absent. */
  stringProperty(value: unknown, fallback: string): string;
}

/**
 * How a reader answers one `Fn::GetAtt` attribute. `resolve` resolves a property of the resource
 * to a string, for an attribute made of another resource's name (a rule's ARN names its bus).
 */
export type AttributeReader = (resource: NamedResource, stack: StackIdentity, resolve: (value: unknown) => string) => string;

/**
 * One CloudFormation resource type (or a few that are the same thing locally, like a table and a
 * global table), registered in resources/index.ts.
 */
export interface ResourceReader {
  /** The types it reads, e.g. `AWS::Lambda::Function`. */
  readonly types: readonly string[];
  /**
   * The physical id: from the resource's name property when that is a plain string, else a
   * generated name. Asked before any property is resolved, since intrinsics resolve to these ids,
   * so it reads literals only. @default the logical id
   */
  physicalId?(resource: StackResource, stack: StackIdentity): string;
  /** What `Ref` gives. @default the physical id */
  ref?(resource: NamedResource, stack: StackIdentity): string;
  /** The `Fn::GetAtt` attributes it answers; any other gets {@link genericAttribute}'s answer. @default none */
  readonly attributes?: Readonly<Record<string, AttributeReader>>;
  /**
   * Adds what its resources mean to the spec. Called once per stack, in the order of the table,
   * with its resources in template order (none, when the template has none). @default nothing
   */
  contribute?(resources: readonly StackResource[], reading: StackReading): void;
}

/** A name property's value when it is a plain string; one built with intrinsics cannot be read before the names exist. */
export function literalName(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The name the emulator gives a resource whose template sets none: `<stack>-<logical id>`, cut to `maxLength`. */
export function generatedName(stack: StackIdentity, logicalId: string, maxLength?: number): string {
  return `${stack.stackName}-${logicalId}`.slice(0, maxLength);
}

/** An ARN in the stack's partition, region and account: `arn:aws:<service>:<region>:<account>:<resource>`. */
export function regionalArn(stack: StackIdentity, service: string, resource: string): string {
  return `arn:${stack.partition}:${service}:${stack.region}:${stack.accountId}:${resource}`;
}

/**
 * `Fn::GetAtt` of an attribute no reader answers: `Arn` as `arn:<partition>:<service>:...:<physical id>`
 * (the service taken from the type), anything else `<physical id>.<attribute>`, so a value that
 * only names the resource still resolves.
 */
export function genericAttribute(resource: NamedResource, attribute: string, stack: StackIdentity): string {
  if (attribute === 'Arn') return regionalArn(stack, resource.type.split('::')[1]?.toLowerCase() ?? 'unknown', resource.physicalId);
  return `${resource.physicalId}.${attribute}`;
}
