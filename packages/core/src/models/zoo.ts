/**
 * The model zoo: architectures Antidote trains itself (for the attack lab, reference clean models,
 * benchmarks). Every model outputs logits from a final Dense layer named `logits`; the layer
 * before it is the penultimate feature layer Pivotal Tuning works on.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import { createRng, type Rng } from '../random.ts';

export const ARCHITECTURES = ['small-cnn', 'tiny-cnn', 'resnet20', 'tiny-resnet', 'preact-resnet18'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export interface ModelSpec {
  architecture: Architecture;
  inputShape: readonly [number, number, number];
  numClasses: number;
  /** Seeds the weight initialisers, so the same seed gives the same starting weights. */
  seed: number;
}

export const LOGITS_LAYER = 'logits';

const heNormal = (rng: Rng) => tf.initializers.heNormal({ seed: rng.seed() });
const glorot = (rng: Rng) => tf.initializers.glorotUniform({ seed: rng.seed() });

/**
 * A fast CNN for 28x28x1 (Fashion-MNIST/MNIST). `same` padding keeps corner pixels in the
 * receptive field: with `valid` convolutions a 3x3 corner patch is mostly cropped away and a
 * BadNets trigger cannot implant, which would make repair benchmarks meaningless.
 * Three conv blocks (16-32-64 channels) with pooling keep it ~12 MFLOP per training image, so an
 * epoch of 60,000 images takes about a minute on one wasm core. `tiny-cnn` halves every width
 * (8-16-32 channels, 64 features): ~3.4x fewer FLOPs, so the efficacy benchmark fits its hour
 * with every attack (docs/method.md#notes-on-the-lab-and-the-engine).
 */
function smallCnn(spec: ModelSpec, rng: Rng, width: 'small' | 'tiny' = 'small'): tf.LayersModel {
  const [convFilters, featureUnits] = width === 'small' ? [[16, 32, 64], 128] : [[8, 16, 32], 64];
  const input = tf.input({ shape: [...spec.inputShape] });
  let x: tf.SymbolicTensor = input;
  for (const filters of convFilters) {
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: heNormal(rng) })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: featureUnits, activation: 'relu', kernelInitializer: heNormal(rng), name: 'features' })
    .apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: spec.numClasses, kernelInitializer: glorot(rng), name: LOGITS_LAYER })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: width === 'small' ? 'small_cnn' : 'tiny_cnn' });
}

function convBn(x: tf.SymbolicTensor, filters: number, stride: number, rng: Rng, relu = true): tf.SymbolicTensor {
  let y = tf.layers
    .conv2d({ filters, kernelSize: 3, strides: stride, padding: 'same', useBias: false, kernelInitializer: heNormal(rng) })
    .apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ momentum: 0.9 }).apply(y) as tf.SymbolicTensor;
  return relu ? (tf.layers.activation({ activation: 'relu' }).apply(y) as tf.SymbolicTensor) : y;
}

function shortcut(x: tf.SymbolicTensor, filters: number, stride: number, rng: Rng): tf.SymbolicTensor {
  const y = tf.layers
    .conv2d({ filters, kernelSize: 1, strides: stride, padding: 'same', useBias: false, kernelInitializer: heNormal(rng) })
    .apply(x) as tf.SymbolicTensor;
  return tf.layers.batchNormalization({ momentum: 0.9 }).apply(y) as tf.SymbolicTensor;
}

/**
 * He et al. 2016 CIFAR ResNet with 6n+2 layers (n = 3 gives ResNet-20, 0.27M parameters).
 * `tiny-resnet` is n = 1 at half width (8-16-32 channels, ResNet-8: 20k parameters, 6.5 MFLOP
 * per 32x32x3 image against ResNet-20's 82): the same graph pattern (Conv+BN+ReLU stem, residual adds, 1x1 projection shortcuts,
 * global average pool) that PyTorch exports, small enough to train and repair within a test.
 */
function cifarResNet(spec: ModelSpec, rng: Rng, blocksPerStage = 3, widths = [16, 32, 64]): tf.LayersModel {
  const input = tf.input({ shape: [...spec.inputShape] });
  let x = convBn(input, widths[0] as number, 1, rng);
  widths.forEach((filters, stage) => {
    for (let block = 0; block < blocksPerStage; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const y = convBn(convBn(x, filters, stride, rng), filters, 1, rng, false);
      const skip = stride === 1 ? x : shortcut(x, filters, stride, rng);
      x = tf.layers.activation({ activation: 'relu' }).apply(tf.layers.add().apply([y, skip])) as tf.SymbolicTensor;
    }
  });
  x = tf.layers.globalAveragePooling2d({ name: 'features' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: spec.numClasses, kernelInitializer: glorot(rng), name: LOGITS_LAYER })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({
    inputs: input,
    outputs: logits,
    name: blocksPerStage === 3 && widths[0] === 16 ? 'resnet20' : 'tiny_resnet',
  });
}

/** He et al. 2016 pre-activation ResNet-18 (11M parameters): the paper's CIFAR model, for GPU workers. */
function preActResNet18(spec: ModelSpec, rng: Rng): tf.LayersModel {
  const bnRelu = (t: tf.SymbolicTensor) =>
    tf.layers
      .activation({ activation: 'relu' })
      .apply(tf.layers.batchNormalization({ momentum: 0.9 }).apply(t)) as tf.SymbolicTensor;
  const conv = (t: tf.SymbolicTensor, filters: number, stride: number, kernelSize = 3) =>
    tf.layers
      .conv2d({ filters, kernelSize, strides: stride, padding: 'same', useBias: false, kernelInitializer: heNormal(rng) })
      .apply(t) as tf.SymbolicTensor;
  const input = tf.input({ shape: [...spec.inputShape] });
  let x = conv(input, 64, 1);
  let inFilters = 64;
  for (const [filters, firstStride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    for (let block = 0; block < 2; block++) {
      const stride = block === 0 ? firstStride : 1;
      const pre = bnRelu(x);
      const skip = stride !== 1 || inFilters !== filters ? conv(pre, filters, stride, 1) : x;
      const y = conv(bnRelu(conv(pre, filters, stride)), filters, 1);
      x = tf.layers.add().apply([y, skip]) as tf.SymbolicTensor;
      inFilters = filters;
    }
  }
  x = tf.layers.globalAveragePooling2d({ name: 'features' }).apply(bnRelu(x)) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: spec.numClasses, kernelInitializer: glorot(rng), name: LOGITS_LAYER })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'preact_resnet18' });
}

export function createModel(spec: ModelSpec): tf.LayersModel {
  const [height, width, channels] = spec.inputShape;
  if (!(height >= 8 && width >= 8 && (channels === 1 || channels === 3))) {
    throw new AntidoteError('SHAPE_MISMATCH', `Input shape ${spec.inputShape.join('x')} is not HxWx1 or HxWx3 with sides >= 8.`);
  }
  if (!(Number.isInteger(spec.numClasses) && spec.numClasses >= 2)) {
    throw new AntidoteError('INVALID_INPUT', `numClasses must be an integer >= 2, got ${spec.numClasses}.`);
  }
  const rng = createRng(spec.seed);
  switch (spec.architecture) {
    case 'small-cnn':
      return smallCnn(spec, rng);
    case 'tiny-cnn':
      return smallCnn(spec, rng, 'tiny');
    case 'resnet20':
      return cifarResNet(spec, rng, 3);
    case 'tiny-resnet':
      return cifarResNet(spec, rng, 1, [8, 16, 32]);
    case 'preact-resnet18':
      return preActResNet18(spec, rng);
    default:
      throw new AntidoteError(
        'NOT_FOUND',
        `Unknown architecture "${String(spec.architecture)}"; choose one of ${ARCHITECTURES.join(', ')}.`,
      );
  }
}

/**
 * Multiply-accumulate count of one forward pass, from the layer shapes (conv and dense only,
 * which dominate). Training costs about three forward passes (forward, input and weight grads).
 */
export function forwardFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const className = layer.getClassName();
    const out = layer.outputShape as (number | null)[];
    if (className === 'Conv2D') {
      const kernel = layer.getWeights()[0];
      if (!kernel) continue;
      const [kh, kw, ci, co] = kernel.shape as [number, number, number, number];
      flops += 2 * (out[1] ?? 0) * (out[2] ?? 0) * kh * kw * ci * co;
    } else if (className === 'Dense') {
      const kernel = layer.getWeights()[0];
      if (!kernel) continue;
      const [inputs, units] = kernel.shape as [number, number];
      flops += 2 * inputs * units;
    }
  }
  return flops;
}
