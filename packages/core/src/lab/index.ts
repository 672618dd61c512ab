export { LAB_ATTACK_NAMES, type LabAttackName } from '../formats/names.ts';
export { DEMO_ATTACK, DEMO_PT_STEPS, DEMO_VICTIM, type DemoData, demoData } from './demo.ts';
export {
  type AnyAttack,
  createLabAttack,
  DEFAULT_RECIPE,
  type LabAttackSpec,
  type LabModelResult,
  type TrainLabModelOptions,
  type TrainRecipe,
  trainLabModel,
} from './train-poisoned.ts';
