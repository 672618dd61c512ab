export {
  type KerasFile,
  type KerasFormat,
  type KerasLayerConfig,
  type KerasModelConfig,
  type KerasWeight,
  kerasSnakeCase,
  looksLikeHdf5,
  looksLikeZip,
  readKerasFile,
  writeKerasWeights,
} from './read.ts';
export {
  type KerasTestLayer,
  keras2H5,
  kerasArchive,
  residualKerasLayers,
  sequentialKerasLayers,
} from './test-files.ts';
