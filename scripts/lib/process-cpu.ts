// CPU time of running processes from /proc/<pid>/stat (user + system), for measuring servers from outside.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return ticksPerSecond;
}

/** utime + stime from the text of /proc/<pid>/stat, in clock ticks. */
export function cpuTicksFromStat(statText: string): number {
  // The command name (field 2) may hold spaces and parentheses: fields after the last ')' are plain.
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // Field 3 (state) is fields[0], so utime (14) and stime (15) are fields[11] and fields[12].
  return Number(fields[11]) + Number(fields[12]);
}

export async function processCpuSeconds(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  return cpuTicksFromStat(text) / clockTicksPerSecond();
}

/** The summed CPU seconds of several processes. */
export async function totalCpuSeconds(pids: readonly number[]): Promise<number> {
  const each = await Promise.all(pids.map((pid) => processCpuSeconds(pid)));
  return each.reduce((sum, seconds) => sum + seconds, 0);
}
