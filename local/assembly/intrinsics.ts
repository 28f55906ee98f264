/**
 * Resolves CloudFormation intrinsic functions in template values to plain local values.
 * Supports Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split and pseudo parameters.
 */

/** What a Ref or Fn::GetAtt of a logical id means locally. */
export interface IntrinsicContext {
  /** AWS::Region, AWS::AccountId, AWS::StackName and the other pseudo parameters. */
  readonly pseudo: Readonly<Record<string, string>>;
  /** The local value of `Ref` to a resource or parameter, or undefined when unknown. */
  ref(logicalId: string): string | undefined;
  /** The local value of `Fn::GetAtt` [logicalId, attribute], or undefined when unknown. */
  getAtt(logicalId: string, attribute: string): string | undefined;
}

/** The pseudo parameters for a region and account. */
export function pseudoParameters(region: string, accountId: string, stackName: string): Record<string, string> {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return {
    'AWS::Region': region,
    'AWS::AccountId': accountId,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${accountId}:stack/${stackName}/00000000-0000-0000-0000-000000000000`,
    'AWS::NotificationARNs': '',
  };
}

export class IntrinsicError extends Error {}

/** Resolves `value` to a string; throws IntrinsicError naming the unsupported construct. */
export function resolveString(value: unknown, ctx: IntrinsicContext): string {
  const resolved = resolveValue(value, ctx);
  if (typeof resolved === 'string') return resolved;
  if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
  throw new IntrinsicError(`expected a string, got ${JSON.stringify(resolved)}`);
}

/** Resolves every intrinsic inside `value` (objects and arrays are walked). */
export function resolveValue(value: unknown, ctx: IntrinsicContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, ctx));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return resolveFunction(keys[0], obj[keys[0]], ctx);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = resolveValue(obj[key], ctx);
  return out;
}

function resolveRef(name: string, ctx: IntrinsicContext): string {
  if (name in ctx.pseudo) return ctx.pseudo[name];
  const value = ctx.ref(name);
  if (value === undefined) throw new IntrinsicError(`Ref to unknown logical id or parameter "${name}"`);
  return value;
}

function resolveGetAtt(logicalId: string, attribute: string, ctx: IntrinsicContext): string {
  const value = ctx.getAtt(logicalId, attribute);
  if (value === undefined) throw new IntrinsicError(`Fn::GetAtt of unknown resource "${logicalId}.${attribute}"`);
  return value;
}

function resolveFunction(name: string, arg: unknown, ctx: IntrinsicContext): unknown {
  switch (name) {
    case 'Ref':
      return resolveRef(String(arg), ctx);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(arg) ? (arg as unknown[]) : String(arg).split(/\.(.+)/);
      return resolveGetAtt(String(logicalId), resolveString(attribute, ctx), ctx);
    }
    case 'Fn::Join': {
      const [delimiter, parts] = expectArray(name, arg, 2);
      const list = resolveValue(parts, ctx);
      if (!Array.isArray(list)) throw new IntrinsicError('Fn::Join needs a list of values');
      return list.map((part) => resolveString(part, ctx)).join(String(delimiter));
    }
    case 'Fn::Select': {
      const [index, list] = expectArray(name, arg, 2);
      const values = resolveValue(list, ctx);
      const i = Number(resolveString(index, ctx));
      if (!Array.isArray(values) || !(i >= 0 && i < values.length)) {
        throw new IntrinsicError(`Fn::Select index ${i} is out of range`);
      }
      return values[i];
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArray(name, arg, 2);
      return resolveString(source, ctx).split(String(delimiter));
    }
    case 'Fn::Sub':
      return resolveSub(arg, ctx);
    default:
      throw new IntrinsicError(`${name} is not supported by the local emulator`);
  }
}

function resolveSub(arg: unknown, ctx: IntrinsicContext): string {
  const [template, variables] = Array.isArray(arg) ? (arg as unknown[]) : [arg, {}];
  const vars = (variables ?? {}) as Record<string, unknown>;
  return String(template).replace(/\$\{(!?)([^}]*)\}/g, (_match, bang: string, expr: string) => {
    if (bang) return `\${${expr}}`; // ${!Literal} escapes a literal ${Literal}
    if (expr in vars) return resolveString(vars[expr], ctx);
    const dot = expr.indexOf('.');
    if (dot > 0 && !expr.startsWith('AWS::')) return resolveGetAtt(expr.slice(0, dot), expr.slice(dot + 1), ctx);
    return resolveRef(expr, ctx);
  });
}

function expectArray(name: string, arg: unknown, length: number): unknown[] {
  if (!Array.isArray(arg) || arg.length !== length) {
    throw new IntrinsicError(`${name} expects a list of ${length} arguments, got ${JSON.stringify(arg)}`);
  }
  return arg;
}
