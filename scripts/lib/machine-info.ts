// Describes the machine and tool versions a benchmark ran with.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { cleanEnv } from '../../test/support/moto.ts';
import { formatBytes } from './units.ts';

function firstLineOf(command: string, args: readonly string[]): string {
  try {
    const output = execFileSync(command, [...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    return output.toString().trim().split('\n')[0] ?? '';
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr ? (stderr.split('\n')[0] ?? 'unavailable') : 'not installed';
  }
}

function procField(file: string, field: string): string | undefined {
  try {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith(field));
    return line?.slice(line.indexOf(':') + 1).trim();
  } catch {
    return undefined;
  }
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memory: string;
  readonly node: string;
  readonly rclone: string;
  readonly aws: string;
}

export function machineInfo(): MachineInfo {
  const memoryKiB = Number.parseInt(procField('/proc/meminfo', 'MemTotal') ?? '0', 10);
  return {
    cpus: availableParallelism(),
    cpuModel: procField('/proc/cpuinfo', 'model name') ?? 'unknown',
    memory: formatBytes(memoryKiB * 1024),
    node: process.version,
    rclone: firstLineOf('rclone', ['version']),
    // AWS CLI v1 prints its version on stderr.
    aws: firstLineOf('aws', ['--version']),
  };
}

export function describeMachine(info: MachineInfo): string {
  return [
    `- CPUs: ${info.cpus} × ${info.cpuModel}`,
    `- Memory: ${info.memory}`,
    `- Node: ${info.node}`,
    `- rclone: ${info.rclone}`,
    `- AWS CLI: ${info.aws}`,
  ].join('\n');
}
