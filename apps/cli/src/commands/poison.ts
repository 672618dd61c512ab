/** `antidote poison`: a backdoored model (red-team lab), saved with the attack spec for `eval`. */
import type { LabAttackName } from '@antidote/core/lab';
import { parseAttackParams } from '../attack-params.ts';
import type { CommandContext } from '../context.ts';
import { labReportLines, runLabTraining } from '../lab-run.ts';
import { type RecipeOptions, recipeFromOptions } from './train.ts';

export interface PoisonOptions extends RecipeOptions {
  attack: LabAttackName;
  poisonCount: number;
  target: number;
  param?: string[];
}

export async function poisonCommand(options: PoisonOptions, ctx: CommandContext): Promise<void> {
  const params = parseAttackParams(options.param);
  const attack = {
    name: options.attack,
    poisonCount: options.poisonCount,
    targetClass: options.target,
    seed: options.seed,
    ...(Object.keys(params).length > 0 ? { params } : {}),
  };
  const report = await runLabTraining(ctx, {
    dataset: options.dataset,
    recipe: recipeFromOptions(options),
    attack,
    out: options.out,
  });
  ctx.output.result({ command: 'poison', ...report }, () => labReportLines(report));
}
