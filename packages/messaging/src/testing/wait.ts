/**
 * Polls until `probe` returns a value other than undefined/null/false, or fails after
 * `timeoutMs` with the last error: tests wait on observable results, never on sleeps.
 * The default outlasts one event retried to its parking on a shared partition (about 23 s),
 * which another test file's failing event can cost a consumer on a loaded CI machine.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, { timeoutMs = 45_000, intervalMs = 100, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
