// Resident memory of the stack's processes, read from /proc/<pid>/status (Linux).
import { readFileSync } from 'node:fs';

/** VmRSS of a process in MiB; NaN when it is gone or /proc is not there. */
export function rssMiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Samples every process's RSS every `intervalMs`; marks name phases so they can be compared. */
export function watchMemory(processes: { name: string; pid: number }[], intervalMs = 250) {
  const samples: { at: number; phase: string; rss: Record<string, number> }[] = [];
  let phase = 'start';
  const sample = () => samples.push({ at: Date.now(), phase, rss: Object.fromEntries(processes.map((p) => [p.name, rssMiB(p.pid)])) });
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    /** Samples from now on belong to `name`. */
    mark(name: string) {
      phase = name;
      sample();
    },
    stop: () => clearInterval(timer),
    /** The highest RSS a process reached after the first mark. */
    peak: (name: string) => Math.max(...samples.filter((s) => s.phase !== 'start').map((s) => s.rss[name] ?? 0)),
    /** One process's samples from phase `from` until phase `to` begins. */
    between(name: string, from: string, to: string): number[] {
      const start = samples.findIndex((s) => s.phase === from);
      const end = samples.findIndex((s) => s.phase === to);
      return samples.slice(start < 0 ? 0 : start, end < 0 ? undefined : end).map((s) => s.rss[name] ?? NaN).filter(Number.isFinite);
    },
  };
}
