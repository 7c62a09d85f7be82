// The UFS image writer, reader and checker: the public surface for the rest of the tool.

export { writeUfsImage, DEFAULT_FREE_PERCENT, DEFAULT_NBPI, type UfsOptions, type UfsResult } from './writer.js';
export { UfsTooSmallError, UfsNameTooLongError, UfsEntryError } from './errors.js';
export { openUfsImage, listUfs, summarizeUfs, UfsImage, UfsFormatError, type UfsListEntry, type UfsSummary, type BlockMap } from './reader.js';
export { checkUfsImage, type UfsCheckResult, type UfsCheckStats } from './check.js';
export { formatUfsListing, modeString, type ListingFormat } from './listing.js';
