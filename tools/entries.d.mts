// Types of tools/entries.mjs for the TypeScript configs that import it (electron.vite.config.ts).
export declare const workerEntries: Readonly<Record<'inferenceWorker' | 'readWorker' | 'poolWorker', string>>;
export declare const nodeEntries: Readonly<Record<string, string>>;
export declare const electronEntries: Readonly<Record<string, string>>;
export declare const preloadEntries: Readonly<Record<'index', string>>;
export declare const nodeExternals: readonly string[];
