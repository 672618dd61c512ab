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
