import { run } from '../util/children.js';
import { requireTool } from '../iso/tools.js';
import type { DiskLayout } from './layout.js';

/**
 * The sfdisk script for a layout: a GPT with the disk's and every partition's GUID given, so
 * sfdisk chooses nothing. sfdisk writes the protective MBR, the primary GPT after it and the
 * backup GPT in the last sectors.
 */
export function sfdiskScript(layout: DiskLayout): string {
  const lines = ['label: gpt', `label-id: ${layout.diskGuid}`, 'unit: sectors', 'first-lba: 2048', ''];
  for (const p of layout.partitions) {
    lines.push(`start=${p.startLba}, size=${p.sectors}, type=${p.type}, uuid=${p.uuid}, name="${p.name}"`);
  }
  return `${lines.join('\n')}\n`;
}

/** Write the partition table of `layout` onto the disk image at `path` (a file, never a device). */
export async function writePartitionTable(path: string, layout: DiskLayout): Promise<void> {
  const sfdisk = await requireTool('sfdisk', 'to write the disk image\'s partition table');
  await run(sfdisk, ['--quiet', '--no-reread', '--no-tell-kernel', '--wipe', 'never', path], { input: sfdiskScript(layout) });
}
