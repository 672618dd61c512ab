/** `antidote train`: a clean model on a built-in dataset, saved as model.json + weights.bin. */
import type { Architecture } from '@antidote/core/models';
import type { OptimizerName } from '@antidote/core/training';
import type { CommandContext } from '../context.ts';
import { labReportLines, runLabTraining } from '../lab-run.ts';

export interface RecipeOptions {
  dataset: string;
  arch: Architecture;
  epochs: number;
  batchSize?: number;
  lr?: number;
  optimizer?: OptimizerName;
  seed: number;
  out: string;
}

/** Only the recipe fields the user set; the rest come from the lab's DEFAULT_RECIPE. */
export function recipeFromOptions(options: RecipeOptions) {
  return {
    architecture: options.arch,
    epochs: options.epochs,
    seed: options.seed,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.lr !== undefined ? { learningRate: options.lr } : {}),
    ...(options.optimizer !== undefined ? { optimizer: options.optimizer } : {}),
  };
}

export async function trainCommand(options: RecipeOptions, ctx: CommandContext): Promise<void> {
  const report = await runLabTraining(ctx, { dataset: options.dataset, recipe: recipeFromOptions(options), out: options.out });
  ctx.output.result({ command: 'train', ...report }, () => labReportLines(report));
}
