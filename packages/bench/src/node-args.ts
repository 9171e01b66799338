/** BENCH_NODE_ARGS: extra node flags for the processes a bench starts (a --cpu-prof, say). */
export const benchNodeArgs = (): string[] => process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
