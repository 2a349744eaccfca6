import { readFileSync } from 'node:fs';

/** CPU time (user + system, µs) of a process, from /proc (Linux). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / 100; // USER_HZ is 100 on Linux
}

/** Current and peak resident set size (MB) of one process (children not included). */
export function memory(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const read = (key: string) => Number(/\d+/.exec(status.split('\n').find((line) => line.startsWith(key)) ?? '')?.[0] ?? Number.NaN) / 1024;
  return { rssMb: read('VmRSS:'), peakRssMb: read('VmHWM:') };
}

/** The children of a process (the gateway's embedded-database host). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
