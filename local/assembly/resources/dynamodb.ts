/** AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable: the tables the local store creates. */
import { generatedName, literalName, regionalArn, type ResourceReader } from './reader';

export const tableReader: ResourceReader = {
  // A global table is one table locally: the store has one region.
  types: ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'],
  physicalId: (resource, stack) => literalName(resource.properties.TableName) ?? generatedName(stack, resource.logicalId),
  attributes: {
    Arn: (resource, stack) => regionalArn(stack, 'dynamodb', `table/${resource.physicalId}`),
    StreamArn: (resource, stack) => regionalArn(stack, 'dynamodb', `table/${resource.physicalId}/stream/local`),
  },
  contribute(resources, reading) {
    for (const resource of resources) {
      const props = reading.resolveValue(resource.properties) as Record<string, unknown>;
      const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      reading.spec.tables.push({
        logicalId: resource.logicalId,
        tableName: reading.physicalId(resource.logicalId),
        keySchema: (props.KeySchema as unknown[]) ?? [],
        attributeDefinitions: (props.AttributeDefinitions as unknown[]) ?? [],
        globalSecondaryIndexes: (props.GlobalSecondaryIndexes as unknown[]) ?? [],
        localSecondaryIndexes: (props.LocalSecondaryIndexes as unknown[]) ?? [],
        ttlAttribute: ttl && ttl.Enabled !== false ? ttl.AttributeName : undefined,
      });
    }
  },
};
