import type { ChildProcess } from 'node:child_process';
import { execa, type Options, type ResultPromise } from 'execa';

// The programs compose runs (pigz, xorriso, mtools, grub-mkimage, QEMU) are stopped when compose
// is: a SIGINT or SIGTERM makes compose exit through process.exit, and this 'exit' handler kills
// every child still running, so none outlives the build or writes into its temporaries.

const running = new Set<ChildProcess>();

process.once('exit', () => {
  for (const c of running) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Keep track of a child until it exits. */
export function track<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
  return child;
}

/** execa, with the child tracked so it dies with compose. */
export function run<O extends Options = {}>(file: string, args: readonly string[], options?: O): ResultPromise<{} & O> {
  const sub = execa(file, args, options as O);
  track(sub as unknown as ChildProcess);
  return sub;
}
