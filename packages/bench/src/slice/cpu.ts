// CPU time of processes, read from /proc/<pid>/stat (Linux): where a request's work goes,
// across the gateway, the services and the local store and broker.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat; 100 on every Linux we run. */
const TICKS_PER_SECOND = 100;

/** User plus system CPU time of a process in ms; NaN when it is gone or /proc is not there. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name (field 2) is in parentheses and may hold spaces: count fields after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** The local store and broker that `deploy/local/infra.sh` started, when they run (not when MONGODB_URL points elsewhere). */
export function localInfraProcesses(): { name: string; pid: number }[] {
  const run = resolve(__dirname, '../../../../.local/run');
  return (['ferretdb', 'kafka'] as const).flatMap((name) => {
    try {
      const pid = Number(readFileSync(`${run}/${name}.pid`, 'utf8').trim());
      return Number.isFinite(cpuMs(pid)) ? [{ name, pid }] : [];
    } catch {
      return [];
    }
  });
}

/** CPU ms of each process (by name) since the call, read by `elapsed()`. */
export function cpuSince(processes: { name: string; pid: number }[]): { elapsed: () => Record<string, number> } {
  const start = new Map(processes.map((p) => [p.name, cpuMs(p.pid)]));
  return {
    elapsed: () => Object.fromEntries(processes.map((p) => [p.name, cpuMs(p.pid) - (start.get(p.name) ?? NaN)])),
  };
}
