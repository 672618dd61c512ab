/**
 * Real inputs for platform tests: a small BadNets-backdoored Fashion-MNIST classifier trained
 * here in seconds, and a trusted set as the zip of class folders a customer would upload.
 */
import { exportImageArchive, loadBuiltinDataset, stratifiedSample } from '@antidote/core/datasets';
import { trainLabModel } from '@antidote/core/lab';
import { packModelArchive, saveModelToFiles } from '@antidote/core/models';
import { initRuntime } from '@antidote/core/runtime';

export interface BackdooredFixture {
  modelZip: Uint8Array;
  trustedZip: Uint8Array;
  cda: number;
  asr: number | null;
}

let cached: Promise<BackdooredFixture> | undefined;

/** ~10-20 s on one core: 4,000 images, 2 epochs, 100 poisoned with BadNets (target 0). */
export function backdooredFashionMnist(): Promise<BackdooredFixture> {
  cached ??= (async () => {
    await initRuntime();
    const { train, test } = loadBuiltinDataset('fashion-mnist');
    const victim = stratifiedSample(train, 4000 / train.labels.length, 3).selected;
    const trusted = stratifiedSample(test, 0.03, 3);
    const result = await trainLabModel({
      train: victim,
      test: stratifiedSample(trusted.rest, 0.1, 4).selected,
      attack: { name: 'badnets', poisonCount: 100, targetClass: 0, seed: 3 },
      recipe: { epochs: 2, seed: 3 },
    });
    try {
      return {
        modelZip: packModelArchive(await saveModelToFiles(result.model)),
        trustedZip: exportImageArchive(trusted.selected),
        cda: result.cda,
        asr: result.asr,
      };
    } finally {
      result.model.dispose();
    }
  })();
  return cached;
}
