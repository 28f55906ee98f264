/**
 * The contract between the stack (lib/) and its functions (lambda/): environment variable names,
 * defaults and bounds, the app's context keys, the table design, metric names, the room rules'
 * schema and the authorizer's settings. No side effects; imports only protocol/.
 */
export * from './auth';
export * from './context-keys';
export * from './defaults';
export * from './environment';
export * from './history';
export * from './metrics';
export * from './room-rules';
export * from './table-design';
