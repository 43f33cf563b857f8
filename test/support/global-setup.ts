// Vitest global setup: two independent moto_server processes, source and destination, shared by every test file.
import type { TestProject } from 'vitest/node';
import { type RunningServer, startMoto } from './moto.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    motoSource: string;
    motoDestination: string;
  }
}

let servers: RunningServer[] = [];

export async function setup(project: TestProject): Promise<void> {
  servers = await Promise.all([startMoto(), startMoto()]);
  project.provide('motoSource', servers[0]!.url);
  project.provide('motoDestination', servers[1]!.url);
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()));
}
