/**
 * The demo behind `npm start` as data: its victim's recipe and where its images come from, so
 * the service demo and the benchmark that measures its repair (`bench:demo-repair`) use one
 * definition.
 */
import { type ImageDataset, selectImages, stratifiedSample } from '../datasets/image-dataset.ts';
import type { LabAttackSpec } from './train-poisoned.ts';

/** Demo victim: 1/3 of Fashion-MNIST (20,000 images), 200 of them poisoned (1%), 2 epochs (~1 min on 2 cores). */
export const DEMO_VICTIM = { fraction: 1 / 3, poisonCount: 200, targetClass: 0, epochs: 2, seed: 7 } as const;
/** The demo victim's backdoor: BadNets on DEMO_VICTIM's poisons, target and seed. */
export const DEMO_ATTACK: LabAttackSpec = {
  name: 'badnets',
  poisonCount: DEMO_VICTIM.poisonCount,
  targetClass: DEMO_VICTIM.targetClass,
  seed: DEMO_VICTIM.seed,
};
/** Pivotal-Tuning steps of the demo scan and repair (the default is 600; 300 keeps the demo short). */
export const DEMO_PT_STEPS = 300;

export interface DemoData {
  victimTrain: ImageDataset;
  /** The trusted 1% (600 images): from data the victim never saw, as a defender's own clean set would be. */
  trusted: ImageDataset;
  /** 2,000 test images outside the trusted set, on which the demo's CDA and ASR are measured. */
  evaluation: ImageDataset;
}

export function demoData(train: ImageDataset, test: ImageDataset): DemoData {
  const victimTrain = stratifiedSample(train, DEMO_VICTIM.fraction, DEMO_VICTIM.seed).selected;
  const trusted = stratifiedSample(test, 0.06, DEMO_VICTIM.seed);
  const evaluation = selectImages(
    trusted.rest,
    Array.from({ length: 2000 }, (_, i) => i * 4),
  );
  return { victimTrain, trusted: trusted.selected, evaluation };
}
