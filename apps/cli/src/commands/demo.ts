/**
 * `antidote demo` (`npm start`): trains a BadNets-poisoned small CNN on Fashion-MNIST with a
 * short recipe, measures CDA/ASR/ARR, saves it under .antidote/demo and suggests next steps.
 */
import path from 'node:path';
import type { CommandContext } from '../context.ts';
import { formatTable } from '../format.ts';
import { labReportLines, runLabTraining } from '../lab-run.ts';

export const DEMO_EPOCHS = 2;
/**
 * 1% of the 60,000 training images: enough for a backdoor that implants reliably in the demo's
 * two epochs (docs/method.md#notes-on-the-lab-and-the-engine).
 */
export const DEMO_ATTACK = { name: 'badnets', poisonCount: 600, targetClass: 0, seed: 1 } as const;

export interface DemoOptions {
  epochs: number;
  out?: string;
}

/**
 * `npm start` at the repo root runs the demo inside apps/cli; INIT_CWD is where the user typed
 * it, so the model lands in <that folder>/.antidote/demo.
 */
export function demoFolder(options: DemoOptions, initCwd: string | undefined): string {
  if (options.out) return path.resolve(options.out);
  return path.resolve(initCwd ?? process.cwd(), '.antidote', 'demo');
}

export async function demoCommand(options: DemoOptions, ctx: CommandContext): Promise<void> {
  const out = demoFolder(options, ctx.env.initCwd);
  ctx.output.note('Antidote demo: plant a BadNets backdoor in a Fashion-MNIST classifier, then measure it.');
  const report = await runLabTraining(ctx, {
    dataset: 'fashion-mnist',
    recipe: { architecture: 'small-cnn', epochs: options.epochs },
    attack: { ...DEMO_ATTACK },
    out,
  });
  const base = path.dirname(out);
  const cli = 'npm run antidote --';
  const next = formatTable(
    [
      ['Measure it again:', `${cli} eval --model ${out}`],
      [
        'Train a clean baseline:',
        `${cli} train --dataset fashion-mnist --epochs ${options.epochs} --out ${path.join(base, 'clean')}`,
      ],
      [
        'Try another attack:',
        `${cli} poison --attack blend --poison-count ${DEMO_ATTACK.poisonCount} --target 0 --epochs ${options.epochs} --out ${path.join(base, 'blend')}`,
      ],
      ['See the TensorFlow.js backend:', `${cli} runtime`],
    ],
    '  ',
  );
  ctx.output.result({ command: 'demo', ...report }, () => [
    ...labReportLines(report),
    '',
    `BadNets stamped a small patch on ${report.attack?.poisonedImages ?? DEMO_ATTACK.poisonCount} training images and relabelled them as class 0 (T-shirt/top);`,
    'ASR is how often that patch alone turns other test images into class 0, CDA the accuracy on clean images.',
    '',
    'Next:',
    ...next,
  ]);
}
