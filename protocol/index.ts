/** The Switchboard protocol: frames, limits, identity and the emulator's paths. No side effects. */
export * from './auth';
export * from './frames';
export * from './limits';
export * from './local-endpoints';
export * from './names';
export * from './parse';
export * from './publish';
