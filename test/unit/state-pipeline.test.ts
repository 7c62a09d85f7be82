import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDevLinks } from '../../src/devlinks/add-dev-links.js';
import { loadManifests } from '../../src/manifest/load.js';
import { applyManifestMetadata } from '../../src/manifest/metadata.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { StagedTree } from '../../src/stage/tree.js';
import { generateStateFiles } from '../../src/state/generate.js';
import { readNameToMajor } from '../../src/state/majors.js';
import { writeStateFiles } from '../../src/state/write.js';

// The order the compose pipeline runs these steps in: /dev links with the overlays (before
// pruning), then after pruning the state files, then ownership and modes.

const FIXTURES = join(import.meta.dirname, '../fixtures');
const gen = (path: string, text: string, mode = 0o644): StagedEntry => ({ path, type: 'file', mode, uid: 0, gid: 0, size: Buffer.byteLength(text), mtime: 1, source: { kind: 'generated', data: Buffer.from(text), generator: 'proto' } });

const PLATFORM = ['rootnex', 'npe', 'isa'];
const KERNEL = ['pseudo', 'ramdisk', 'cn', 'mm', 'sy', 'log', 'sysmsg', 'clone', 'devinfo', 'options', 'kstat', 'ksyms', 'random', 'ptm', 'pts', 'asy', 'kb8042', 'conskbd', 'i8042'];

function proto(): StagedTree {
  const t = new StagedTree(1);
  t.put(gen('etc/passwd', 'root:x:0:0::/root:/bin/sh\nbin:x:2:2::/usr/bin:\nsys:x:3:3::/:\nuucp:x:5:5::/:\n'));
  t.put(gen('etc/group', 'root::0:\nother::1:\nbin::2:\nsys::3:\nuucp::5:\ntty::7:\n'));
  t.put(gen('etc/name_to_major', 'md 85\ndevinfo 88\nasy 106\ndid 239\n'));
  t.put(gen('etc/minor_perm', 'devinfo:devinfo 0640 root sys\nasy:* 0666 root sys\n'));
  t.put(gen('usr/bin/passwd', 'ELF', 0o555));
  for (const d of PLATFORM) t.put(gen(`platform/i86pc/kernel/drv/amd64/${d}`, 'ELF', 0o775));
  for (const d of KERNEL) t.put(gen(`kernel/drv/amd64/${d}`, 'ELF', 0o775));
  return t;
}

describe('the manifest steps in pipeline order', () => {
  it('produce a bootable, correctly owned image from a proto area', async () => {
    const gate = await loadManifests(join(FIXTURES, 'manifests'));
    const boot = await loadManifests(join(FIXTURES, 'manifests', 'boot'), { transformsDir: join(FIXTURES, 'transforms') });
    const set = { ...gate, actions: [...gate.actions, ...boot.actions] };
    const tree = proto();

    addDevLinks(tree, 9, { manifests: set });
    const state = await generateStateFiles(tree, set);
    writeStateFiles(tree, state, 9);
    await applyManifestMetadata(tree, set);
    // Every driver module in the image got a major from its driver action.
    const majors = await readNameToMajor(tree);
    expect([...PLATFORM, ...KERNEL].filter((d) => !majors.has(d))).toEqual([]);

    // SUNWcsd's file actions give the generated state files root:sys 0644.
    expect(tree.get('etc/minor_perm')).toMatchObject({ mode: 0o644, uid: 0, gid: 3, source: { kind: 'generated' } });
    expect(tree.get('etc/name_to_major')).toMatchObject({ mode: 0o644, gid: 3 });
    expect(tree.get('kernel/drv/amd64/mm')).toMatchObject({ mode: 0o755, gid: 3 });
    expect(tree.get('usr/bin/passwd')).toMatchObject({ mode: 0o4555, gid: 3 });
    expect(tree.get('dev/dsk')).toMatchObject({ type: 'dir', gid: 3 });
    expect(tree.get('dev/fd')).toMatchObject({ type: 'dir', mode: 0o555, gid: 0 });
    expect(tree.get('dev/console')?.target).toBe('../devices/pseudo/cn@0:console');
  });
});
