import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { TABLE } from '../../contract/table-design';

/** A table with Switchboard's key design in an in-memory dynalite, and a document client for it. */
export interface DynaliteTable {
  readonly tableName: string;
  /** Marshals as the handlers' client does (lambda/functions/services.ts). */
  readonly db: DynamoDBDocumentClient;
  /** Destroys the client and closes dynalite. */
  stop(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1, port 0, and creates `tableName` with the partition and sort keys
 * of contract/table-design.ts, so store tests run their expressions against a DynamoDB API.
 */
export async function startDynaliteTable(tableName: string): Promise<DynaliteTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE.sortKey, AttributeType: 'S' },
      ],
    }),
  );
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    tableName,
    db,
    async stop() {
      db.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
