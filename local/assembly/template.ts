/**
 * A CloudFormation template as `cdk synth` writes it, and how to find the references between its
 * resources without resolving them.
 */

export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, { readonly Default?: unknown }>;
  readonly Outputs?: Record<string, { readonly Value?: unknown }>;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** The logical id of a plain `{ Ref: id }`. */
export function refTarget(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'Ref' in value) return String(value.Ref);
  return undefined;
}

/** The first `Ref` inside `value` whose logical id passes `accept`. */
export function findRef(value: unknown, accept: (id: string) => boolean): string | undefined {
  return findIntrinsic(value, (key, arg) => (key === 'Ref' && accept(String(arg)) ? String(arg) : undefined));
}

/** The first `Fn::GetAtt [id, attribute]` inside `value` whose logical id passes `accept`. */
export function findGetAtt(value: unknown, accept: (id: string) => boolean): string | undefined {
  return findIntrinsic(value, (key, arg) => {
    if (key !== 'Fn::GetAtt') return undefined;
    const id = String(Array.isArray(arg) ? arg[0] : String(arg).split('.')[0]);
    return accept(id) ? id : undefined;
  });
}

function findIntrinsic(value: unknown, match: (key: string, arg: unknown) => string | undefined): string | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findIntrinsic(v, match);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, arg] of Object.entries(value)) {
      const found = match(key, arg) ?? findIntrinsic(arg, match);
      if (found) return found;
    }
  }
  return undefined;
}
