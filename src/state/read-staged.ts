import { forEachChunk } from '../stage/content.js';
import type { StagedTree } from '../stage/tree.js';

/**
 * The text of a file as the image will hold it (following symlinks and hardlinks inside the
 * image), whether its bytes are a host file or generated; undefined when the image has no such
 * regular file. Meant for small configuration files (passwd, name_to_major...).
 */
export async function readStagedText(tree: StagedTree, path: string): Promise<string | undefined> {
  const found = tree.resolve(path);
  if (!found || (found.type !== 'file' && found.type !== 'hardlink')) return undefined;
  const entry = tree.contentOwner(found);
  if (!entry.source) return undefined;
  const chunks: Buffer[] = [];
  await forEachChunk(entry.source, entry.size, (chunk) => {
    chunks.push(Buffer.from(chunk));
  });
  return Buffer.concat(chunks).toString('utf8');
}
