/**
 * AWS::Lambda::Permission: a statement of a function's resource-based policy, which says who may
 * invoke it (API Gateway for a route or an authorizer, EventBridge for a rule, another account).
 * CDK's integrations and targets add one for each use; local/iam/ checks them.
 */
import { IntrinsicError } from '../intrinsics';
import { findGetAtt, refTarget } from '../template';
import { LAMBDA_FUNCTION } from './lambda';
import type { ResourceReader, StackReading } from './reader';

const PERMISSION = 'AWS::Lambda::Permission';

export const lambdaPermissionReader: ResourceReader = {
  types: [PERMISSION],
  // After the functions reader: the permissions name functions by ARN or name.
  contribute(resources, reading) {
    for (const { logicalId, properties } of resources) {
      const optional = (value: unknown) => {
        if (value === undefined) return undefined;
        try {
          return reading.resolveString(value);
        } catch (err: unknown) {
          if (!(err instanceof IntrinsicError)) throw err;
          reading.spec.warnings.push(
            `permission ${logicalId}: a property does not resolve locally (${err.message}); the permission is left out`,
          );
          return null;
        }
      };
      const fields = {
        action: optional(properties.Action),
        principal: optional(properties.Principal),
        sourceArn: optional(properties.SourceArn),
        sourceAccount: optional(properties.SourceAccount),
        principalOrgId: optional(properties.PrincipalOrgID),
        functionUrlAuthType: optional(properties.FunctionUrlAuthType),
      };
      if (Object.values(fields).includes(null) || !fields.action || !fields.principal) continue;
      reading.spec.lambdaPermissions.push({
        logicalId,
        functionLogicalId: functionNamed(reading, properties.FunctionName),
        action: fields.action,
        principal: fields.principal,
        sourceArn: fields.sourceArn ?? undefined,
        sourceAccount: fields.sourceAccount ?? undefined,
        principalOrgId: fields.principalOrgId ?? undefined,
        functionUrlAuthType: fields.functionUrlAuthType ?? undefined,
      });
    }
  },
};

/**
 * The function of the stack a permission's FunctionName names: by `Fn::GetAtt` or `Ref`, else by
 * its name, full or partial ARN (a version or alias qualifier is ignored: the emulator runs $LATEST).
 */
function functionNamed(reading: StackReading, value: unknown): string | undefined {
  const isFunction = (id: string) => reading.resource(id)?.type === LAMBDA_FUNCTION;
  const target = refTarget(value) ?? findGetAtt(value, isFunction);
  if (target !== undefined && isFunction(target)) return target;
  let name: string;
  try {
    name = reading.resolveString(value);
  } catch (err: unknown) {
    if (err instanceof IntrinsicError) return undefined;
    throw err;
  }
  const bare = /(?:^|:)function:([^:]+)/.exec(name)?.[1] ?? name.split(':')[0];
  return reading.resourcesOfType(LAMBDA_FUNCTION).find((f) => reading.physicalId(f.logicalId) === bare)?.logicalId;
}
