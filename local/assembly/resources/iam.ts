/** AWS::IAM::Role: named, so the ARNs that functions and policies mention resolve. */
import type { ResourceReader } from './reader';

export const roleReader: ResourceReader = {
  types: ['AWS::IAM::Role'],
  attributes: {
    // IAM is global: its ARNs have no region.
    Arn: (resource, stack) => `arn:${stack.partition}:iam::${stack.accountId}:role/${resource.physicalId}`,
  },
};
