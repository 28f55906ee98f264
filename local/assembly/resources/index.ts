/**
 * Every CloudFormation resource type the emulator reads, one reader each (a type it does not list
 * is still named by its logical id, so intrinsics that mention it resolve). A new type is a reader
 * in this folder and one line here.
 *
 * Readers contribute in this order: the API's readers first, as they pick the functions the
 * routes and authorizers need; then the functions reader, which adds the rest; the functions'
 * permissions after the functions they name; event source mappings last, as they name functions
 * and queues.
 */
import { apiReader, authorizerReader, integrationReader, routeReader, routeResponseReader, stageReader } from './apigatewayv2';
import { userPoolClientReader, userPoolReader } from './cognito';
import { tableReader } from './dynamodb';
import { eventBusReader, eventRuleReader } from './events';
import { managedPolicyReader, policyReader, rolePolicyReader, roleReader } from './iam';
import { eventSourceMappingReader, functionReader } from './lambda';
import { lambdaPermissionReader } from './lambda-permission';
import type { ResourceReader } from './reader';
import { queuePolicyReader, queueReader } from './sqs';

export const RESOURCE_READERS: readonly ResourceReader[] = [
  apiReader,
  stageReader,
  authorizerReader,
  integrationReader,
  routeResponseReader,
  routeReader,
  functionReader,
  tableReader,
  userPoolReader,
  userPoolClientReader,
  roleReader,
  policyReader,
  rolePolicyReader,
  managedPolicyReader,
  lambdaPermissionReader,
  eventBusReader,
  eventRuleReader,
  queueReader,
  queuePolicyReader,
  eventSourceMappingReader,
];
