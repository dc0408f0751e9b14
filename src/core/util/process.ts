/**
 * Whether a process with this pid is alive on this host (signal 0: nothing is sent). `EPERM`
 * means it exists but belongs to someone else: alive.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
