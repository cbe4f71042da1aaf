// What a test or a benchmark reads about the processes it started (Linux /proc): their children (the
// llm-manager's model runners), their resident memory and the CPU time they use.
import { readdirSync, readFileSync } from 'node:fs';

/** The direct children of `pid`; none when the process is gone. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // The process is gone: no children.
  }
  return out;
}

/** Resident memory of `pid` in bytes; undefined when the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user and system, in clock ticks) that `pid` and every process under it have used so far. */
export function treeCpuTicks(pid: number): number {
  let ticks = 0;
  try {
    // Fields after the command's closing parenthesis: state is the 3rd field, utime and stime the 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks = Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0; // Gone.
  }
  for (const child of childPids(pid)) ticks += treeCpuTicks(child);
  return ticks;
}

/**
 * Waits until `pid` and the processes under it are idle: under 2 ticks of CPU (20 ms at Linux's usual 100 Hz)
 * in 250 ms, for at most `timeoutMs`. A benchmark calls it so that work one side does after answering (the
 * llm-manager starting its spare runner) does not land in the other side's measurement.
 */
export async function untilIdle(pid: number, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = treeCpuTicks(pid);
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    const now = treeCpuTicks(pid);
    if (now - last < 2) return;
    last = now;
  }
}
