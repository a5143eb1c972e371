/** Types of scripts/standalone.mjs (for the TypeScript callers: scripts/bench-load.ts, e2e/standalone.spec.ts). */
export declare class NoBuildError extends Error {}
export declare function distDirOf(env?: Record<string, string | undefined>): string;
export declare function assembleStandalone(opts?: { root?: string; distDir?: string; target?: string }): string;
