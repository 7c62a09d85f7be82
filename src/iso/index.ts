export { buildIso, BACKENDS } from './build-iso.js';
export { pickBootloader, resolveBootloader, BACKEND_FILES, KERNEL_PATH } from './pick.js';
export {
  loaderConf,
  bootConfig,
  menuLst,
  grubCfg,
  grubEarlyCfg,
  menuEntries,
  kernelArgWords,
  formatKernelArgs,
  serialSpeed,
  type BootSettings,
  type ArchivePlacement,
  type ConsoleName,
} from './configs.js';
export { writeCpioArchive, odcHeader, CPIO_ODC_MAGIC, CPIO_TRAILER, type CpioResult } from './cpio.js';
export { writeHsfsArchive, HSFS_MKISOFS_ARGS, type HsfsOptions, type HsfsResult } from './hsfs.js';
export { readBootCatalog, parseBootReport, isoModificationDate, grubIsoUuid } from './xorriso.js';
export { makeEfiImage, efiImageKiB } from './efi-image.js';
export { illumosSystemArea, espOnlySystemArea, findMultibootHeader, STAGE1, X86BOOT } from './illumos-hybrid.js';
export type { ArchiveFormat, Bootloader, BootloaderChoice, BootCatalog, BuildIsoOptions, BuildIsoResult, ElToritoEntry, IsoArchiveInput } from './types.js';
