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
  type StratifiedSplit,
  selectImages,
  stratifiedSample,
  validateDataset,
} from './image-dataset.ts';
export { type ChannelsOption, type ImageArchiveOptions, importImageArchive } from './importers/archive.ts';
export { CIFAR10_CLASS_NAMES, importCifar10 } from './importers/cifar.ts';
export { type DatasetFormat, type DetectedFormat, detectDatasetFormat, SUPPORTED_FORMATS_TEXT } from './importers/detect.ts';
export { type IdxImages, type IdxImportInput, importIdx, parseIdxImages, parseIdxLabels } from './importers/idx.ts';
export { type ImportDatasetOptions, importDataset } from './importers/import-dataset.ts';
export { importNpy, type NpyArray, type NpyDtype, type NpyImportInput, type NpyLayout, parseNpy } from './importers/npy.ts';
export {
  type BytesInput,
  type DatasetFile,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_IMAGES,
  type ImportLimits,
} from './importers/shared.ts';
export { datasetThumbnailGrid, type ThumbnailGridOptions } from './thumbnails.ts';
