export {
  compareInferenceEngines,
  type EngineRate,
  type InferenceEngine,
  ORT_MIN_IMAGES,
  openPredictor,
  type Predictor,
  type PredictorOptions,
  predictClassesFast,
} from './inference.ts';
export {
  type AttackReport,
  accuracy,
  attackRecoveryRate,
  attackSuccessRate,
  type CleanReport,
  confusionMatrix,
  evaluateAttack,
  evaluateClean,
  perClassAccuracy,
  predictClasses,
  rocAuc,
} from './metrics.ts';
