// Errors the UFS writer raises for problems the user can fix. They carry the fields the CLI needs
// to print a one-line message; the exit codes follow src/util/errors.ts (2 = profile/size,
// 3 = input).

import { ComposeError, EXIT } from '../util/errors.js';
import { formatBytes } from '../util/size.js';

/** The tree does not fit in the fixed image size (or needs more inodes than it can hold). */
export class UfsTooSmallError extends ComposeError {
  constructor(
    /** Bytes the tree needs with no free space left over. */
    readonly needBytes: number,
    /** The fixed size that was asked for. */
    readonly sizeBytes: number,
    detail?: string,
  ) {
    super(`the tree needs ${formatBytes(needBytes)} but the UFS image size is ${formatBytes(sizeBytes)}${detail ? ` (${detail})` : ''}; raise the image size or use "auto"`, EXIT.usage);
  }
}

/** A file name longer than the 255 bytes a UFS directory entry can hold. */
export class UfsNameTooLongError extends ComposeError {
  constructor(
    readonly path: string,
    readonly nameBytes: number,
  ) {
    super(`"${path}": the name is ${nameBytes} bytes long in UTF-8; UFS allows at most 255`, EXIT.input);
  }
}

/** An entry UFS cannot represent: too large a file, a bad device number, an over-long symlink... */
export class UfsEntryError extends ComposeError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`"${path}": ${reason}`, EXIT.input);
  }
}
