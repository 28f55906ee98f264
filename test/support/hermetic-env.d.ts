/** Types of hermetic-env.js (plain CommonJS, which jest.config.js requires before TypeScript runs). */
export declare const TEST_REGION: string;
export declare function hermeticEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined>;
export declare function applyHermeticEnv(): void;
