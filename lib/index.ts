/**
 * The package's root (`import { SwitchboardApi } from 'switchboard'`): the constructs to compose
 * into a CDK app of your own, their props and types. The client is `switchboard/client`, the frame
 * types `switchboard/protocol`, backend publishing `switchboard/publish`.
 */
export { SwitchboardApi } from './switchboard-api';
export type { RateLimitProps, SwitchboardApiProps, ThrottleProps } from './switchboard-api';
export { SwitchboardStack } from './switchboard-stack';
export type { CustomDomainAttributes, SwitchboardStackProps } from './switchboard-stack';
export { AUTH_PROVIDERS, SwitchboardAuth } from './switchboard-auth';
export type { AuthProvider, SwitchboardAuthProps } from './switchboard-auth';
export { SwitchboardMonitoring } from './switchboard-monitoring';
export type { MonitoredApi, SwitchboardMonitoringProps } from './switchboard-monitoring';
export { AlarmTopic } from './alarm-topic';
export type { AlarmTopicProps } from './alarm-topic';
export { CustomDomain } from './custom-domain';
export type { CustomDomainProps } from './custom-domain';
export { API_OUTPUTS } from './api-outputs';
export type { ApiOutputName } from './api-outputs';
export { SwitchboardFunction } from './switchboard-function';
export type { SwitchboardFunctionProps } from './switchboard-function';
export type { FunctionDefinition, RouteDefinition } from './routes';
export { ConnectionsTable } from './connections-table';
export type { ConnectionsTableProps, TableAction } from './connections-table';
export { addSwitchboard } from './switchboard-app';
export { CONTEXT_KEYS } from '../contract/context-keys';
export { ConfigError } from './config-error';
