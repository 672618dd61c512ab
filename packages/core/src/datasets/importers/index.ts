export { type ChannelsOption, type ImageArchiveOptions, importImageArchive } from './archive.ts';
export { CIFAR10_CLASS_NAMES, importCifar10 } from './cifar.ts';
export { type DatasetFormat, type DetectedFormat, detectDatasetFormat, SUPPORTED_FORMATS_TEXT } from './detect.ts';
export {
  type IdxImages,
  type IdxImagesImportInput,
  type IdxImportInput,
  importIdx,
  importIdxImages,
  parseIdxImages,
  parseIdxLabels,
} from './idx.ts';
export { type ImportDatasetOptions, importDataset } from './import-dataset.ts';
export {
  importNpy,
  importNpyImages,
  type NpyArray,
  type NpyDtype,
  type NpyImagesImportInput,
  type NpyImportInput,
  type NpyLayout,
  parseNpy,
} from './npy.ts';
export {
  type BytesInput,
  type DatasetFile,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_IMAGES,
  type ImportLimits,
} from './shared.ts';
