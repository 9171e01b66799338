/**
 * In-process notice that a company became known (its first event was stored by this process's
 * consumer), so a createDeal waiting for it goes on at once instead of at its next look.
 */
type Wake = () => void;
const waiting = new Map<string, Set<Wake>>();
const keyOf = (tenantId: string, companyId: string) => `${tenantId}:${companyId}`;

export function companyArrived(tenantId: string, companyId: string): void {
  const key = keyOf(tenantId, companyId);
  waiting.get(key)?.forEach((wake) => wake());
  waiting.delete(key);
}

/** Resolves when the company arrives or after `ms`, whichever is first. */
export function companyArrival(tenantId: string, companyId: string, ms: number): Promise<void> {
  const key = keyOf(tenantId, companyId);
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      waiting.get(key)?.delete(wake);
      if (waiting.get(key)?.size === 0) waiting.delete(key);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    waiting.set(key, (waiting.get(key) ?? new Set()).add(wake));
  });
}
