import path from 'node:path';
import { loadBuiltinDataset } from '@antidote/core/datasets';
import { freshHeadProbe } from '@antidote/core/defenses';
import { initRuntime } from '@antidote/core/runtime';
import { option } from './cli-args.ts';
import { ATTACK_SETTINGS, loadCachedModel, STRONG_ATTACK_SETTINGS, victimCacheKey, victimSplit } from './victims.ts';

const strong = option('--profile', 'tiny') === 'strong';
const cache = path.resolve(option('--victim-cache', ''));
const settings = strong ? STRONG_ATTACK_SETTINGS : ATTACK_SETTINGS;
const attacks = option(
  '--attacks',
  Object.keys(settings)
    .slice(0, strong ? 4 : 7)
    .join(','),
).split(',');
const [firstSeed, lastSeed] = option('--seeds', '1-3').split('-').map(Number) as [number, number];
const dataset = 'fashion-mnist';
const trainImages = strong ? 59000 : 10000;

await initRuntime({ backend: 'wasm' });
const { train: fullTrain } = loadBuiltinDataset(dataset);
for (const attack of attacks) {
  for (let seed = firstSeed; seed <= lastSeed; seed++) {
    const s = settings[attack]!;
    const key = victimCacheKey({
      dataset,
      architecture: strong ? 'small-cnn' : 'tiny-cnn',
      attack,
      poisonCount: s.poisonCount,
      attackParams: s.params ?? {},
      seed,
      trainImages,
      epochs: s.epochs ?? 3,
    });
    const dir = path.join(cache, key);
    const model = (await loadCachedModel(dir))?.model;
    if (!model) {
      console.log(`${attack} seed ${seed}: not cached`);
      continue;
    }
    const { trusted } = victimSplit(fullTrain, { trainImages, trustedFraction: 0.01, seed });
    const t0 = performance.now();
    const probe = await freshHeadProbe(model, trusted, seed);
    console.log(JSON.stringify({ attack, seed, ...probe, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) }));
    model.dispose();
  }
}
