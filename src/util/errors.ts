// User-facing failures. Each carries the exit code the CLI returns; the message is one sentence
// naming the file, field or path at fault and what to do about it.

export const EXIT = {
  ok: 0,
  internal: 1,
  // boot-test, inspect and check: the image did not boot, is damaged, or would not boot.
  failed: 1,
  usage: 2,
  input: 3,
  tool: 4,
  // The outputs cannot be written: permissions, a read-only or full disk, another build holding -o.
  output: 5,
} as const;

export class ComposeError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Bad command line, bad profile, or an option value that cannot work. Exit 2. */
export class UsageError extends ComposeError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** A profile file that is malformed, names an unknown key, or cannot be found. Exit 2. */
export class ProfileError extends ComposeError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** Missing or malformed input: not a proto area, a bad tarball, an unreadable file. Exit 3. */
export class InputError extends ComposeError {
  constructor(message: string) {
    super(message, EXIT.input);
  }
}

/** A required external program is not installed. Exit 4. */
export class ToolMissingError extends ComposeError {
  constructor(
    readonly tool: string,
    readonly debianPackage: string,
    purpose: string,
  ) {
    super(`${tool} is needed ${purpose} but is not installed; install the Debian package "${debianPackage}" (apt-get install ${debianPackage})`, EXIT.tool);
  }
}

/**
 * The outputs (or the temporary files on the way to them) cannot be written: an unwritable or
 * read-only -o, a full disk, another build into the same -o. The user's environment, not a bug. Exit 5.
 */
export class OutputError extends ComposeError {
  constructor(message: string) {
    super(message, EXIT.output);
  }
}
