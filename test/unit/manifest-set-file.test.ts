import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSetFileActions, readSetFileHead, SetFileError, writeSetFile } from '../../src/cache/manifest-set-file.js';
import type { ManifestAction } from '../../src/manifest/action.js';
import type { ManifestSet } from '../../src/manifest/load.js';
import { SequentialWriter } from '../../src/util/sequential-writer.js';

// The manifest set's line format (src/cache/manifest-set-file.ts): every action comes back as it
// was, whatever its fields hold, and a file that does not agree with itself is refused, so the
// cache misses rather than hands a build a wrong set.

function written(set: ManifestSet, meta: unknown = { v: 1 }): string {
  const path = join(mkdtempSync(join(tmpdir(), 'set-file-')), 'set.lines');
  const fd = openSync(path, 'w');
  const out = new SequentialWriter(fd, 4096);
  writeSetFile(out, set, meta);
  out.flush();
  closeSync(fd);
  return readFileSync(path, 'utf8');
}

function readBack(text: string): ManifestSet {
  const file = readSetFileHead(text);
  if (!file) throw new Error('no head');
  return readSetFileActions(text, file);
}

const act = (manifest: string, a: Partial<ManifestAction> & Pick<ManifestAction, 'type'>, attrs: Array<[string, string[]]>): ManifestAction => ({ manifest, file: manifest, line: 1, ...a, attrs: new Map(attrs) });

function sampleSet(): ManifestSet {
  const m1 = '/ws/manifests/a.mf';
  const m2 = '/ws/manifests/b\tc.mf';
  const a1 = [
    act(m1, { type: 'set', line: 3 }, [['name', ['pkg.fmri']], ['value', ['pkg:/a@1']]]),
    act(m1, { type: 'file', payload: 'usr/bin/x', line: 7 }, [['path', ['usr/bin/x']], ['mode', ['0555']], ['owner', ['root']]]),
    // Repeated values, an attribute without values, empty strings, every escaped character.
    act(m1, { type: 'driver', file: '/ws/manifests/inc/drivers.inc', line: 12 }, [['name', ['e1000g']], ['alias', ['pci8086,100e', 'pci8086,100f', '']], ['none', []], ['tab\tkey', ['a\tb', 'line\nbreak', 'back\\slash', 'unit\x1fsep', '\\t literally', 'é ✓ 😀']]]),
    act(m1, { type: 'license', payload: '', line: 20 }, [['license', ['CDDL']]]),
    act(m1, { type: 'file', payload: 'has\\escapes\tand\ttabs', line: 21 }, [['path', ['p']]]),
    // No attributes at all; an attribute whose key is empty.
    act(m1, { type: 'unknown', line: 22 }, []),
    act(m1, { type: 'unknown', line: 23 }, [['', ['v']], ['k', ['']]]),
  ];
  const a2 = [act(m2, { type: 'dir', line: 1, file: '' }, [['path', ['etc']]])];
  return {
    dir: '/ws/manifests',
    transformsDir: '/ws/transforms',
    manifests: [{ path: m1, fmri: 'pkg:/a@1', actions: a1 }, { path: m2, actions: a2 }],
    actions: [...a1, ...a2],
    variantExcluded: 4,
    leftOut: [{ file: m1, line: 30, text: '$(sparc_ONLY)file path=x' }] as never,
    aborted: ['/ws/manifests/gone.mf'],
    otherArchitecture: ['/ws/manifests/sparc.mf'],
    unknownMacros: new Map([['FOO', `${m1}:9`]]),
    inputs: [m1, m2, '/ws/transforms/defaults'],
  };
}

describe('the manifest set line format', () => {
  it('gives back every action, manifest and field as written, and the caller\'s own head', () => {
    const set = sampleSet();
    const text = written(set, { key: 'k', stamps: { a: '1' } });
    expect(readSetFileHead<{ key: string }>(text)!.head.meta).toEqual({ key: 'k', stamps: { a: '1' } });
    const back = readBack(text);
    expect(back).toEqual(set);
    expect(back.actions[0]).toBe(back.manifests[0]!.actions[0]);
    expect('fmri' in back.manifests[1]!).toBe(false);
    // One line per action after the two head lines.
    expect(text.split('\n').length).toBe(2 + set.actions.length + 1);
  });

  it('a set without transforms, fmri or actions round-trips', () => {
    const set: ManifestSet = { ...sampleSet(), transformsDir: undefined, manifests: [{ path: '/m/empty.mf', actions: [] }], actions: [] };
    delete set.transformsDir;
    const back = readBack(written(set));
    expect('transformsDir' in back).toBe(false);
    expect(back).toEqual(set);
  });

  it('refuses what is not a set file, or one whose lines do not agree with its head', () => {
    const text = written(sampleSet());
    expect(readSetFileHead('{"format":1}')).toBeUndefined();
    expect(readSetFileHead('compose-manifest-set 1\n{not json\n')).toBeUndefined();
    expect(readSetFileHead('compose-manifest-set 1\n')).toBeUndefined();
    // Not the header, though as long as it and followed by good JSON.
    expect(readSetFileHead(`${'x'.repeat('compose-manifest-set 1'.length)}\n{"meta":1}\n`)).toBeUndefined();
    // A head line without its end.
    expect(readSetFileHead('compose-manifest-set 1\n{"meta":1} ')).toBeUndefined();
    expect(readSetFileHead('compose-manifest-set 1\n{"meta":1}\n')!.head.meta).toBe(1);
    const lines = text.split('\n');
    const cases: Array<[string, string, RegExp]> = [
      ['one action short', lines.slice(0, -2).join('\n') + '\n', /ends before its last action/],
      ['an action more', `${text}dir\t\t\t1\n`, /goes on after its last action/],
      ['a line without its number', text.replace('\t3\t', '\tthree\t'), /a bad action line: set\t\t\tthree\tname/],
      ['a bad escape', text.replace('back\\\\slash', 'back\\qslash'), /a bad escape \\q/],
      ['a cut line', text.slice(0, text.length - 5), /ends before its last action/],
    ];
    for (const [what, bad, message] of cases) {
      expect(bad, what).not.toBe(text);
      const file = readSetFileHead(bad)!;
      expect(() => readSetFileActions(bad, file), what).toThrow(SetFileError);
      expect(() => readSetFileActions(bad, file), what).toThrow(message);
    }
  });
});
