import type { ChildProcess } from 'node:child_process';
import type { Options, ResultPromise } from 'execa';

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

/**
 * execa, with the child tracked so it dies with compose. execa is loaded on the first call, not
 * when compose starts: its 120 modules took 0.13-0.15 s of every run, a tar build's or a
 * `--help`'s included, that never starts a program.
 */
export async function run<O extends Options = {}>(file: string, args: readonly string[], options?: O): Promise<Awaited<ResultPromise<{} & O>>> {
  const { execa } = await import('execa');
  const sub: ResultPromise<{} & O> = execa(file, args, options as O);
  track(sub as unknown as ChildProcess);
  return (await sub) as Awaited<ResultPromise<{} & O>>;
}
