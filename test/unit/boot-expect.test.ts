import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SerialMatcher } from '../../src/boot/expect.js';
import { LogTail } from '../../src/boot/log-tail.js';

const matcher = (expectRes: RegExp[], fail: RegExp[] = [/panic/]) => new SerialMatcher({ expect: expectRes, fail });

describe('SerialMatcher', () => {
  it('matches expectations in order, one line each', () => {
    const m = matcher([/B/, /A/]);
    m.feed('A first\nB second\n', 10);
    expect(m.matches.map((x) => x.line)).toEqual(['B second']);
    expect(m.done).toBe(false);
    m.feed('A again\n', 20);
    expect(m.done).toBe(true);
    expect(m.matches).toEqual([
      { index: 0, pattern: '/B/', line: 'B second', atMs: 10 },
      { index: 1, pattern: '/A/', line: 'A again', atMs: 20 },
    ]);
  });

  it('does not let one line satisfy two expectations', () => {
    const m = matcher([/ok/, /ok/]);
    m.feed('ok ok\n', 1);
    expect(m.matches).toHaveLength(1);
    m.feed('ok\n', 2);
    expect(m.done).toBe(true);
  });

  it('joins lines split across reads, anywhere', () => {
    const m = matcher([/^COMPOSE-BOOT-OK demo$/]);
    for (const piece of ['COMP', 'OSE-BOOT', '-OK de', 'mo\r', '\n']) m.feed(piece, 5);
    expect(m.done).toBe(true);
    expect(m.matches[0]!.line).toBe('COMPOSE-BOOT-OK demo');
  });

  it('strips \\r and terminal escapes, also when an escape straddles two reads', () => {
    const m = matcher([/^TESTKERNEL START proto=mb2$/]);
    m.feed('\x1b[H\x1b[J\x1b[1;1H  Booting\r\n\x1b[0m\x1b[3', 1);
    m.feed('7m\x1b[40mTESTKERNEL START proto=mb2\r\n', 2);
    expect(m.done).toBe(true);
    expect(m.lastLines()).toEqual(['  Booting', 'TESTKERNEL START proto=mb2']);
  });

  it('fails on a fail pattern, and a fail pattern wins over an expectation on the same line', () => {
    const m = matcher([/boot/], [/panic/]);
    m.feed('panic during boot\n', 7);
    expect(m.failed).toEqual({ pattern: '/panic/', line: 'panic during boot', atMs: 7 });
    expect(m.matches).toHaveLength(0);
    m.feed('boot\n', 8); // nothing counts after a failure
    expect(m.matches).toHaveLength(0);
  });

  it('keeps checking fail patterns after the expectations matched (grace period)', () => {
    const m = matcher([/ready/]);
    m.feed('ready\n', 1);
    expect(m.done).toBe(true);
    m.feed('panic: oops\n', 2);
    expect(m.failed?.line).toBe('panic: oops');
  });

  it('matches a prompt without a newline only once the console is idle, and only once', () => {
    const m = matcher([/login: $/, /Password/]);
    m.feed('host console login: ', 1);
    expect(m.matches).toHaveLength(0); // still being written, maybe
    m.idle(2);
    expect(m.matches.map((x) => x.line)).toEqual(['host console login: ']);
    m.idle(3);
    m.feed('root\nPassword:', 4); // the prompt line ends; it must not count again
    expect(m.matches).toHaveLength(1);
    m.idle(5);
    expect(m.done).toBe(true);
  });

  it('does not match a partial line that later turns out different', () => {
    const m = matcher([/^COMPOSE-BOOT-OK demo$/]);
    m.feed('COMPOSE-BOOT-OK de', 1);
    m.idle(2);
    expect(m.done).toBe(false);
    m.feed('mo2\n', 3);
    expect(m.done).toBe(false);
  });

  it('treats the unfinished last line as complete at end()', () => {
    const m = matcher([/last words/], [/panic/]);
    m.feed('early\nlast words', 1);
    m.end(2);
    expect(m.matches[0]).toMatchObject({ line: 'last words', atMs: 2 });
    const f = matcher([/x/], [/panic/]);
    f.feed('kernel panic', 1);
    f.idle(2); // a fail pattern on a partial line is not final yet
    expect(f.failed).toBeUndefined();
    f.end(3);
    expect(f.failed?.line).toBe('kernel panic');
  });

  it('reports the first output time and keeps only the last lines', () => {
    const m = new SerialMatcher({ expect: [/never/], fail: [], keepLines: 3 });
    expect(m.firstOutputMs).toBeUndefined();
    m.feed('1\n2\n\n3\n4\npartial', 42);
    m.feed('5\n', 50);
    expect(m.firstOutputMs).toBe(42);
    expect(m.lastLines()).toEqual(['3', '4', 'partial5']);
  });

  it('ignores g/y flags that would make test() stateful', () => {
    const m = matcher([/ok/g, /ok/g]);
    m.feed('ok\nok\n', 1);
    expect(m.done).toBe(true);
  });

  it('is trivially done with no expectations', () => {
    expect(matcher([]).done).toBe(true);
  });
});

describe('LogTail', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('returns only new text, tolerates a missing file, keeps UTF-8 split across writes, restarts after truncation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'boot-tail-'));
    dirs.push(dir);
    const path = join(dir, 'serial.log');
    const tail = new LogTail(path);
    expect(await tail.read()).toBe('');
    await writeFile(path, 'hello ');
    expect(await tail.read()).toBe('hello ');
    expect(await tail.read()).toBe('');
    const euro = Buffer.from('€', 'utf8'); // 3 bytes
    await appendFile(path, Buffer.concat([Buffer.from('w'), euro.subarray(0, 1)]));
    expect(await tail.read()).toBe('w');
    await appendFile(path, Buffer.concat([euro.subarray(1), Buffer.from('\n')]));
    expect(await tail.read()).toBe('€\n');
    expect(tail.bytes).toBe(6 + 1 + 3 + 1);
    await truncate(path, 0);
    await appendFile(path, 'again\n');
    expect(await tail.read()).toBe('again\n');
  });

  it('reads large appends completely', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'boot-tail-'));
    dirs.push(dir);
    const path = join(dir, 'big.log');
    const tail = new LogTail(path);
    const big = 'x'.repeat(300_000) + '\n';
    await writeFile(path, big);
    expect((await tail.read()).length).toBe(big.length);
  });
});
