export {
  BUILTIN_DATASETS,
  type BuiltinDatasetName,
  FASHION_MNIST_CLASSES,
  loadBuiltinDataset,
  loadFashionMnist,
  loadMnist,
  MNIST_CLASSES,
  type TrainTestSplit,
} from './builtin.ts';
export { encodePng, exportImageArchive, type PixelImage, type PngOptions } from './export.ts';
export {
  classHistogram,
  concatDatasets,
  type ImageDataset,
  type ImportedImages,
  imageCount,
  isUnlabelled,
  type StratifiedSplit,
  selectImages,
  stratifiedSample,
  type UnlabelledImages,
  validateDataset,
  validateUnlabelled,
} from './image-dataset.ts';
export { type ChannelsOption, type ImageArchiveOptions, importImageArchive } from './importers/archive.ts';
export { CIFAR10_CLASS_NAMES, importCifar10 } from './importers/cifar.ts';
export { type DatasetFormat, type DetectedFormat, detectDatasetFormat, SUPPORTED_FORMATS_TEXT } from './importers/detect.ts';
export {
  type IdxImages,
  type IdxImagesImportInput,
  type IdxImportInput,
  importIdx,
  importIdxImages,
  parseIdxImages,
  parseIdxLabels,
} from './importers/idx.ts';
export { type ImportDatasetOptions, importDataset } from './importers/import-dataset.ts';
export {
  importNpy,
  importNpyImages,
  type NpyArray,
  type NpyDtype,
  type NpyImagesImportInput,
  type NpyImportInput,
  type NpyLayout,
  parseNpy,
} from './importers/npy.ts';
export {
  type BytesInput,
  type DatasetFile,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_IMAGES,
  type ImportLimits,
} from './importers/shared.ts';
export { datasetThumbnailGrid, type ThumbnailGridOptions } from './thumbnails.ts';
