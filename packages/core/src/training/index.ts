export { type AugmentOptions, defaultAugment, NO_AUGMENT } from './batches.ts';
export {
  type BatchHook,
  type LossFunction,
  type OptimizerName,
  type OptimizerOptions,
  type ReplicaLoss,
  type TrainingCheckpoint,
  type TrainingProgress,
  type TrainOptions,
  type TrainResult,
  trainModel,
} from './train.ts';
