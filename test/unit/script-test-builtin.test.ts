import { describe, expect, it } from 'vitest';
import type { PathFact, Value } from '../../src/check/script/state.js';
import { evalTest } from '../../src/check/script/test-builtin.js';

// test(1) and [ ]: what each expression answers over the model, and what each answer tells.

const FS: Record<string, PathFact> = {
  '/dir': { exists: 'yes', kind: 'dir' },
  '/file': { exists: 'yes', kind: 'file', executable: 'no' },
  '/exe': { exists: 'yes', kind: 'file', executable: 'yes' },
  '/exe?': { exists: 'yes', kind: 'file', executable: 'maybe' },
  '/thing': { exists: 'yes' },
  '/none': { exists: 'no' },
  '/maybe': { exists: 'maybe' },
  '/maybedir': { exists: 'maybe', kind: 'dir' },
};
const stat = async (p: string): Promise<PathFact> => FS[p] ?? { exists: 'maybe' };
const t = (...args: Value[]) => evalTest(args, stat);
const v = async (...args: Value[]) => (await t(...args)).value;

describe('test: strings and numbers', () => {
  it('no argument is false; one argument is true when not empty', async () => {
    expect(await t()).toEqual({ value: 'no', facts: [] });
    expect(await t('x')).toEqual({ value: 'yes', facts: [] });
    expect(await t('')).toEqual({ value: 'no', facts: [] });
    expect(await t(null)).toEqual({ value: 'maybe', facts: [] });
    expect(await v('-o')).toBe('yes');
    expect(await v('-a')).toBe('yes');
    expect(await v('!')).toBe('yes');
  });

  it('-z and -n', async () => {
    expect(await v('-z', '')).toBe('yes');
    expect(await v('-z', 'a')).toBe('no');
    expect(await v('-n', '')).toBe('no');
    expect(await v('-n', 'a')).toBe('yes');
    expect(await t('-z', null)).toEqual({ value: 'maybe', facts: [] });
    expect(await t('-n', null)).toEqual({ value: 'maybe', facts: [] });
  });

  it('unknown unary operators and unknown operands are maybe', async () => {
    expect(await t('-q', '/dir')).toEqual({ value: 'maybe', facts: [] });
    expect(await t(null, '/dir')).toEqual({ value: 'maybe', facts: [] });
    expect(await t('-d', null)).toEqual({ value: 'maybe', facts: [] });
    expect(await t('-d', 'dir')).toEqual({ value: 'maybe', facts: [] });
    // "! x" with two words is a negation, "-a x" is a unary op nobody knows.
    expect(await v('!', '')).toBe('yes');
    expect(await v('!', 'x')).toBe('no');
    expect(await t('-a', 'x')).toEqual({ value: 'maybe', facts: [] });
  });

  it('string comparisons', async () => {
    expect(await v('a', '=', 'a')).toBe('yes');
    expect(await v('a', '=', 'b')).toBe('no');
    expect(await v('a', '==', 'a')).toBe('yes');
    expect(await v('a', '==', 'b')).toBe('no');
    expect(await v('a', '!=', 'a')).toBe('no');
    expect(await v('a', '!=', 'b')).toBe('yes');
    expect(await t(null, '=', 'a')).toEqual({ value: 'maybe', facts: [] });
    expect(await t('a', '=', null)).toEqual({ value: 'maybe', facts: [] });
    expect(await t('a', null, 'a')).toEqual({ value: 'maybe', facts: [] });
    expect(await t('a', '-nt', 'b')).toEqual({ value: 'maybe', facts: [] });
  });

  it('number comparisons, with blanks trimmed', async () => {
    const cases: Array<[string, string, string, string]> = [
      ['1', '-eq', ' 1 ', 'yes'],
      ['1', '-eq', '2', 'no'],
      ['1', '-ne', '2', 'yes'],
      ['1', '-ne', '1', 'no'],
      ['1', '-lt', '2', 'yes'],
      ['2', '-lt', '2', 'no'],
      ['2', '-le', '2', 'yes'],
      ['3', '-le', '2', 'no'],
      ['3', '-gt', '2', 'yes'],
      ['2', '-gt', '2', 'no'],
      ['2', '-ge', '2', 'yes'],
      ['1', '-ge', '2', 'no'],
    ];
    for (const [a, op, b, want] of cases) expect(await v(a, op, b), `${a} ${op} ${b}`).toBe(want);
    expect(await t('x', '-eq', '1')).toEqual({ value: 'maybe', facts: [] });
    expect(await t('1', '-eq', '1.5')).toEqual({ value: 'maybe', facts: [] });
  });

  it('more than three words without -a or -o is maybe', async () => {
    expect(await t('a', 'b', 'c', 'd')).toEqual({ value: 'maybe', facts: [] });
  });
});

describe('test: -a, -o, ! and ( )', () => {
  it('-a and -o over known answers', async () => {
    expect(await v('a', '-a', 'b')).toBe('yes');
    expect(await v('a', '-a', '')).toBe('no');
    expect(await v('', '-a', 'b')).toBe('no');
    expect(await v(null, '-a', 'b')).toBe('maybe');
    expect(await v('a', '-a', null)).toBe('maybe');
    expect(await v(null, '-a', '')).toBe('no');
    expect(await v('', '-o', 'b')).toBe('yes');
    expect(await v('a', '-o', '')).toBe('yes');
    expect(await v('', '-o', '')).toBe('no');
    expect(await v(null, '-o', '')).toBe('maybe');
    expect(await v('', '-o', null)).toBe('maybe');
    expect(await v(null, '-o', 'a')).toBe('yes');
  });

  it('-o binds looser than -a', async () => {
    // "" -a x -o y: (false and x) or y = yes; read as "" and (x or y) it would be no.
    expect(await v('', '-a', 'x', '-o', 'y')).toBe('yes');
    // x -o y -a "": x or (y and false) = yes; read as (x or y) and false it would be no.
    expect(await v('x', '-o', 'y', '-a', '')).toBe('yes');
  });

  it('a leading or trailing -a or -o is a word', async () => {
    expect(await t('-o', '=', '-o')).toEqual({ value: 'yes', facts: [] });
    expect(await t('-a', '=', '-a')).toEqual({ value: 'yes', facts: [] });
    expect(await t('x', '=', '-o')).toEqual({ value: 'no', facts: [] });
    expect(await t('x', '=', '-a')).toEqual({ value: 'no', facts: [] });
    expect(await t('-o', '!=', 'x')).toEqual({ value: 'yes', facts: [] });
    expect(await t('-a', '!=', 'x')).toEqual({ value: 'yes', facts: [] });
  });

  it('! negates, ( ) groups', async () => {
    expect(await v('!', 'a', '=', 'a')).toBe('no');
    expect(await v('!', 'a', '=', 'b')).toBe('yes');
    expect(await v('!', null)).toBe('maybe');
    expect(await v('(', 'a', '=', 'b', ')')).toBe('no');
    expect(await v('(', 'a', ')')).toBe('yes');
    expect(await v('(', '', ')')).toBe('no');
    expect(await v('(', 'a', 'x')).toBe('maybe');
    expect(await v('x', 'a', ')')).toBe('maybe');
  });
});

describe('test: files, and what each answer tells', () => {
  it('answers from what the model knows', async () => {
    expect(await t('-d', '/dir')).toEqual({ value: 'yes', facts: [] });
    expect(await t('-e', '/dir')).toEqual({ value: 'yes', facts: [] });
    expect(await t('-f', '/dir')).toEqual({ value: 'no', facts: [] });
    expect(await t('-d', '/file')).toEqual({ value: 'no', facts: [] });
    expect(await t('-f', '/file')).toEqual({ value: 'yes', facts: [] });
    expect(await t('-r', '/file')).toEqual({ value: 'yes', facts: [] });
    expect(await t('-x', '/file')).toEqual({ value: 'no', facts: [] });
    expect(await t('-x', '/exe')).toEqual({ value: 'yes', facts: [] });
    expect(await t('-e', '/none')).toEqual({ value: 'no', facts: [] });
    expect(await t('-d', '/none')).toEqual({ value: 'no', facts: [] });
    expect(await t('-x', '/none')).toEqual({ value: 'no', facts: [] });
    expect(await t('-e', '/thing')).toEqual({ value: 'yes', facts: [] });
  });

  it('what it cannot know is maybe, with the facts each answer brings', async () => {
    expect(await t('-e', '/maybe')).toEqual({
      value: 'maybe',
      facts: [
        { branch: 'yes', path: '/maybe', fact: { exists: 'yes', kind: undefined, executable: undefined } },
        { branch: 'no', path: '/maybe', fact: { exists: 'no' } },
      ],
    });
    expect(await t('-d', '/maybe')).toEqual({ value: 'maybe', facts: [{ branch: 'yes', path: '/maybe', fact: { exists: 'yes', kind: 'dir', executable: undefined } }] });
    expect(await t('-f', '/maybe')).toEqual({ value: 'maybe', facts: [{ branch: 'yes', path: '/maybe', fact: { exists: 'yes', kind: 'file', executable: undefined } }] });
    expect(await t('-x', '/maybe')).toEqual({ value: 'maybe', facts: [{ branch: 'yes', path: '/maybe', fact: { exists: 'yes', kind: undefined, executable: 'yes' } }] });
    // Known to be there, but not what the test asks: -x of a file that may be executable, -d of a thing of no known kind.
    expect(await t('-x', '/exe?')).toEqual({ value: 'maybe', facts: [{ branch: 'yes', path: '/exe?', fact: { exists: 'yes', kind: undefined, executable: 'yes' } }] });
    expect(await t('-d', '/thing')).toEqual({ value: 'maybe', facts: [{ branch: 'yes', path: '/thing', fact: { exists: 'yes', kind: 'dir', executable: undefined } }] });
    expect(await t('-f', '/thing')).toEqual({ value: 'maybe', facts: [{ branch: 'yes', path: '/thing', fact: { exists: 'yes', kind: 'file', executable: undefined } }] });
    // The other file tests never answer yes: -s, -w, -h, -L, -c, -b, -p, -S.
    for (const op of ['-s', '-w', '-h', '-L', '-c', '-b', '-p', '-S']) {
      expect(await t(op, '/file'), op).toEqual({ value: 'maybe', facts: [{ branch: 'yes', path: '/file', fact: { exists: 'yes', kind: undefined, executable: undefined } }] });
      expect(await t(op, '/none'), op).toEqual({ value: 'no', facts: [] });
    }
    // A maybe-dir of known kind asked -f: the kind does not decide while it may not exist.
    expect(await t('-f', '/maybedir')).toEqual({ value: 'maybe', facts: [{ branch: 'yes', path: '/maybedir', fact: { exists: 'yes', kind: 'file', executable: undefined } }] });
  });

  it('! swaps the answers the facts belong to', async () => {
    expect(await t('!', '-e', '/maybe')).toEqual({
      value: 'maybe',
      facts: [
        { branch: 'no', path: '/maybe', fact: { exists: 'yes', kind: undefined, executable: undefined } },
        { branch: 'yes', path: '/maybe', fact: { exists: 'no' } },
      ],
    });
    expect(await t('!', '-d', '/dir')).toEqual({ value: 'no', facts: [] });
    expect(await t('!', '-d', '/none')).toEqual({ value: 'yes', facts: [] });
  });

  it('-a keeps the facts of its true answer, -o those of its false answer', async () => {
    expect(await t('-d', '/maybe', '-a', '-e', '/maybedir')).toEqual({
      value: 'maybe',
      facts: [
        { branch: 'yes', path: '/maybe', fact: { exists: 'yes', kind: 'dir', executable: undefined } },
        { branch: 'yes', path: '/maybedir', fact: { exists: 'yes', kind: undefined, executable: undefined } },
      ],
    });
    expect(await t('-e', '/maybe', '-o', '-e', '/maybedir')).toEqual({
      value: 'maybe',
      facts: [
        { branch: 'no', path: '/maybe', fact: { exists: 'no' } },
        { branch: 'no', path: '/maybedir', fact: { exists: 'no' } },
      ],
    });
  });

  it('the stat is asked about the operand only', async () => {
    const asked: string[] = [];
    await evalTest(['-d', '/x/y'], async (p) => {
      asked.push(p);
      return { exists: 'yes', kind: 'dir' };
    });
    expect(asked).toEqual(['/x/y']);
  });
});

describe('test: where -a splits and how many words are read', () => {
  it('a trailing -a is an operand, four words are not a comparison', async () => {
    expect(await t('x', '!=', '-a')).toEqual({ value: 'yes', facts: [] });
    expect(await t('a', '=', 'a', 'd')).toEqual({ value: 'maybe', facts: [] });
  });
});
