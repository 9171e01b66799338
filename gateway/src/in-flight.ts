/**
 * Shares one running task between callers with the same key: the first caller starts it, the
 * others await the same promise until it settles. Nothing is kept after that, so this is not a
 * cache: a later caller always starts afresh.
 */
export class InFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string | undefined, task: () => Promise<T>): Promise<T> {
    if (key === undefined) return task();
    const shared = this.running.get(key);
    if (shared) return shared;
    const started = task().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }

  get size(): number {
    return this.running.size;
  }
}
