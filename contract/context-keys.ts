/**
 * Context keys that configure the app: `npx cdk deploy -c stageName=prod`.
 * Values from the command line arrive as strings; lib/app-config.ts checks each.
 */
export const CONTEXT_KEYS = {
  stackName: 'stackName',
  stageName: 'stageName',
  throttleRateLimit: 'throttleRateLimit',
  throttleBurstLimit: 'throttleBurstLimit',
  maxRoomsPerConnection: 'maxRoomsPerConnection',
  maxRoomMembers: 'maxRoomMembers',
  fanoutConcurrency: 'fanoutConcurrency',
  roomMessagesPerSecond: 'roomMessagesPerSecond',
  roomMessageBurst: 'roomMessageBurst',
  framesPerSecond: 'framesPerSecond',
  frameBurst: 'frameBurst',
  historyLimit: 'historyLimit',
  historyRetentionSeconds: 'historyRetentionSeconds',
  roomRules: 'roomRules',
  presence: 'presence',
  authProvider: 'authProvider',
  oidcIssuer: 'oidcIssuer',
  oidcJwksUrl: 'oidcJwksUrl',
  oidcAudience: 'oidcAudience',
  allowedAlgorithms: 'allowedAlgorithms',
  authResultCacheTtlSeconds: 'authResultCacheTtlSeconds',
  authMaxTokenAgeSeconds: 'authMaxTokenAgeSeconds',
  alarmEmail: 'alarmEmail',
  domainName: 'domainName',
  certificateArn: 'certificateArn',
  hostedZoneId: 'hostedZoneId',
  hostedZoneName: 'hostedZoneName',
  displayNameClaims: 'displayNameClaims',
} as const;
