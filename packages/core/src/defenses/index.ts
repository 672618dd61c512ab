export {
  DETECTORS,
  type DetectorName,
  REPAIR_DEFENSES,
  type RepairDefenseName,
  TRIGGER_FAMILIES,
  type TriggerFamily,
} from '../formats/names.ts';
export {
  FINE_PRUNING_DEFAULTS,
  type FinePruningOptions,
  type FinePruningResult,
  finePruning,
  finePruningDefense,
} from './baselines/fine-pruning.ts';
export { FINE_TUNING_DEFAULTS, type FineTuningOptions, fineTuning, fineTuningDefense } from './baselines/fine-tuning.ts';
export { BASELINE_DEFENSES, BASELINE_DETECTORS, BASELINE_REPAIR_NAMES, type BaselineRepairName } from './baselines/index.ts';
export { NAD_DEFAULTS, type NadOptions, nadDefense, neuralAttentionDistillation } from './baselines/nad.ts';
export {
  type InversionResume,
  NEURAL_CLEANSE_DEFAULTS,
  NEURAL_CLEANSE_REPAIR_DEFAULTS,
  type NeuralCleanseDetection,
  type NeuralCleanseOptions,
  type NeuralCleanseRepairOptions,
  neuralCleanseDefense,
  neuralCleanseDetect,
  neuralCleanseDetector,
  neuralCleanseRepair,
  type ReversedTrigger,
} from './baselines/neural-cleanse.ts';
export {
  STRIP_DETECTOR_DEFAULTS,
  STRIP_ENTROPY_DEFAULTS,
  type StripDetector,
  type StripDetectorOptions,
  type StripEntropyOptions,
  type StripVerdicts,
  stripDetector,
  stripEntropy,
} from './baselines/strip.ts';
export {
  type CheckpointExtra,
  type CheckpointOptions,
  DEFENSE_CHECKPOINT_FORMAT,
  type DefenseCheckpoint,
  type JsonObject,
} from './checkpoint.ts';
export {
  DEFAULT_VALIDATION_FRACTION,
  type HeldOutReference,
  heldOutReference,
  splitTrusted,
  type TrustedSplit,
} from './common.ts';
export {
  type CheckpointInspector,
  type CheckpointRecord,
  DEFAULT_BUDGET_TOLERANCE,
} from './floor-tuning.ts';
export { freshHeadProbe, HEAD_PROBE_DEFAULTS, type HeadProbe } from './head-probe.ts';
export { compareHeldOut, dropInterval, type HeldOutComparison, withinBudget } from './held-out.ts';
export {
  FRESH_HEAD_RECIPE,
  NOISE_BLEND_AUTO,
  PIVOT_HEAD_RECIPE,
  PIVOTAL_TUNING_DEFAULTS,
  type PivotalTuningOptions,
  type PivotalTuningPhase,
  type PivotalTuningRecipe,
  type PlannedRun,
  pivotalTuning,
  pivotalTuningDefense,
  pivotalTuningRuns,
  type RecipeSettings,
  TRIGGER_INVERSION_REFERENCE_TUNING,
  UNLABELLED_AGREEMENT_BUDGET,
} from './pivotal-tuning.ts';
export {
  judgeRepair,
  REPAIRED_ATTACK_SUCCESS_BAR,
  type RepairJudgement,
  type RepairTradeoff,
  repairFrontier,
  sameWeights,
} from './repair-outcome.ts';
export type { SlolSign } from './slol.ts';
export {
  CALIBRATION_DEFAULTS,
  type CalibratedVerdict,
  type CalibrateScanInput,
  type CalibrationReference,
  type CalibrationSource,
  type CalibrationStatus,
  type ClassInversion,
  calibratedTriggerInversion,
  calibratedTriggerInversionDetector,
  calibrateScan,
  calibrateThreshold,
  checkTriggerFamilies,
  combineFamilyScores,
  exceedsThreshold,
  type FamilyCombination,
  inScanPValue,
  normalUpperTail,
  referencePValue,
  type ScanCalibration,
  studentUpperTail,
  TRIGGER_INVERSION_DEFAULTS,
  type TriggerInversionOptions,
} from './trigger-inversion/index.ts';
export type { DefenseOptions, DefenseProgress, Detector, DetectResult, RepairDefense, RepairResult } from './types.ts';
