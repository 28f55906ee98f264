/**
 * The AWS services the emulator runs beside the API's own (the gateway with @connections, the
 * Lambda Invoke API and DynamoDB, which it always has). A new service is a folder here and one
 * line in this table.
 */
import { COGNITO_IDP } from './cognito-idp/cognito-idp';
import { EVENTS } from './events/event-bridge';
import type { ServiceDefinition } from './service';
import { SQS } from './sqs/service';

export const LOCAL_SERVICES: readonly ServiceDefinition[] = [COGNITO_IDP, EVENTS, SQS];
