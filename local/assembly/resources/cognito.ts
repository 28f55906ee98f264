/** AWS::Cognito::UserPool and its app clients: what the local issuer stands in for. */
import { refTarget } from '../template';
import type { ResourceReader } from './reader';

const USER_POOL_CLIENT = 'AWS::Cognito::UserPoolClient';

export const userPoolReader: ResourceReader = {
  types: ['AWS::Cognito::UserPool'],
  contribute(resources, reading) {
    const clients = reading.resourcesOfType(USER_POOL_CLIENT);
    for (const pool of resources) {
      reading.spec.userPools.push({
        poolId: reading.ref(pool.logicalId)!,
        clientIds: clients
          .filter((client) => refTarget(client.properties.UserPoolId) === pool.logicalId)
          .map((client) => reading.ref(client.logicalId)!),
      });
    }
  },
};

/** Read with its pool (see userPoolReader). */
export const userPoolClientReader: ResourceReader = { types: [USER_POOL_CLIENT] };
