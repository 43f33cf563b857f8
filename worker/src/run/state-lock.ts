// One embedded run per state file: a lock file holding the owner's pid, taken over only when that process is gone.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { FerryError } from '../domain/errors.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Takes the lock for statePath or throws when a live process holds it; returns the release function. */
export function lockStateFile(statePath: string): () => void {
  if (statePath === ':memory:') return () => undefined;
  const lockPath = `${statePath}.lock`;
  if (!tryCreate(lockPath)) {
    const owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    if (Number.isSafeInteger(owner) && owner !== process.pid && isAlive(owner)) {
      throw new FerryError('Config', `${statePath} is in use by another ferry process (pid ${owner})`);
    }
    rmSync(lockPath, { force: true });
    if (!tryCreate(lockPath))
      throw new FerryError('Config', `${statePath} was locked by another ferry process just now`);
  }
  return () => rmSync(lockPath, { force: true });
}
