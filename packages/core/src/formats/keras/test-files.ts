/**
 * Keras files written the way Keras saves them, for tests: a Keras 3 `.keras` archive of a
 * Functional residual CNN and a legacy Keras 2 `.h5` Sequential CNN, with seeded weights.
 */
import { zipSync } from 'fflate';
import { createRng } from '../../random.ts';
import { createH5 } from './h5.ts';
import { kerasSnakeCase } from './read.ts';

export interface KerasTestLayer {
  class_name: string;
  config: Record<string, unknown>;
  /** Names of the layers feeding this one (Functional only). */
  inbound?: string[];
  /** Weight shapes in Keras variable order. */
  weights?: number[][];
  module?: string;
  registered_name?: string;
}

function seeded(shape: number[], rng: ReturnType<typeof createRng>, kind: 'normal' | 'variance' | 'gamma'): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
  return Float32Array.from({ length: n }, () =>
    kind === 'variance' ? 0.5 + rng.next() : kind === 'gamma' ? 1 + 0.1 * rng.normal() : rng.normal() * Math.sqrt(2 / fanIn),
  );
}

/** Per-layer weight values in Keras order (BN: gamma, beta, moving mean, moving variance). */
function weightValues(layer: KerasTestLayer, rng: ReturnType<typeof createRng>): Float32Array[] {
  return (layer.weights ?? []).map((shape, i) =>
    layer.class_name === 'BatchNormalization'
      ? seeded(shape, rng, i === 0 ? 'gamma' : i === 3 ? 'variance' : 'normal')
      : seeded(shape, rng, 'normal'),
  );
}

/** A Keras 3 `.keras` archive (config.json, metadata.json, model.weights.h5). */
export async function kerasArchive(
  className: 'Functional' | 'Sequential',
  layers: KerasTestLayer[],
  seed = 1,
): Promise<Uint8Array> {
  const rng = createRng(seed);
  const tensor = (name: string) => ({
    class_name: '__keras_tensor__',
    config: { shape: null, dtype: 'float32', keras_history: [name, 0, 0] },
  });
  const config = {
    module: 'keras',
    class_name: className,
    config: {
      name: 'customer_model',
      trainable: true,
      layers: layers.map((l) => ({
        module: l.module ?? 'keras.layers',
        class_name: l.class_name,
        config: { ...l.config, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } } },
        registered_name: l.registered_name ?? null,
        name: l.config.name,
        inbound_nodes:
          className === 'Functional' && l.inbound
            ? [{ args: l.inbound.length === 1 ? [tensor(l.inbound[0] as string)] : [l.inbound.map(tensor)], kwargs: {} }]
            : [],
      })),
      input_layers: [[layers[0]?.config.name, 0, 0]],
      output_layers: [[layers[layers.length - 1]?.config.name, 0, 0]],
    },
  };
  const used = new Map<string, number>();
  const weights = await createH5((file) => {
    file.create_group('layers');
    for (const layer of layers) {
      const base = kerasSnakeCase(layer.class_name);
      const seen = used.get(base);
      const group = seen === undefined ? base : `${base}_${seen + 1}`;
      used.set(base, seen === undefined ? 0 : seen + 1);
      const values = weightValues(layer, rng);
      file.create_group(`layers/${group}`);
      const vars = file.create_group(`layers/${group}/vars`);
      values.forEach((v, i) => {
        vars.create_dataset({ name: String(i), data: v, shape: layer.weights?.[i] as number[], dtype: '<f' });
      });
    }
  });
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  return zipSync({
    'metadata.json': text({ keras_version: '3.8.0', date_saved: '2026-12-07@06:00:00' }),
    'config.json': text(config),
    'model.weights.h5': weights,
  });
}

/** A legacy Keras 2 full-model `.h5` of a Sequential model. */
export async function keras2H5(layers: KerasTestLayer[], seed = 2): Promise<Uint8Array> {
  const rng = createRng(seed);
  const modelConfig = {
    class_name: 'Sequential',
    config: { name: 'sequential', layers: layers.map((l) => ({ class_name: l.class_name, config: l.config })) },
  };
  return createH5((file) => {
    file.create_attribute('model_config', JSON.stringify(modelConfig));
    file.create_attribute('keras_version', '2.15.0');
    file.create_attribute('backend', 'tensorflow');
    const root = file.create_group('model_weights');
    const names = layers.map((l) => l.config.name as string);
    root.create_attribute('layer_names', names);
    for (const layer of layers) {
      const name = layer.config.name as string;
      const group = file.create_group(`model_weights/${name}`);
      const variableNames =
        layer.class_name === 'BatchNormalization' ? ['gamma', 'beta', 'moving_mean', 'moving_variance'] : ['kernel', 'bias'];
      const values = weightValues(layer, rng);
      const weightNames = values.map((_, i) => `${name}/${variableNames[i]}:0`);
      group.create_attribute('weight_names', weightNames.length > 0 ? weightNames : ['']);
      const weightGroup = values.length > 0 ? file.create_group(`model_weights/${name}/${name}`) : null;
      values.forEach((v, i) => {
        weightGroup?.create_dataset({
          name: `${variableNames[i]}:0`,
          data: v,
          shape: layer.weights?.[i] as number[],
          dtype: '<f',
        });
      });
    }
  });
}

/** Functional residual CNN: Conv+BN, depthwise + ReLU6, residual Add, pool, GAP, softmax Dense. */
export function residualKerasLayers(size: number, channels = 3, classes = 10): KerasTestLayer[] {
  return [
    { class_name: 'InputLayer', config: { name: 'image', batch_shape: [null, size, size, channels] } },
    {
      class_name: 'Conv2D',
      config: {
        name: 'stem',
        filters: 8,
        kernel_size: [3, 3],
        strides: [1, 1],
        padding: 'same',
        activation: 'relu',
        use_bias: true,
        data_format: 'channels_last',
      },
      inbound: ['image'],
      weights: [[3, 3, channels, 8], [8]],
    },
    {
      class_name: 'BatchNormalization',
      config: { name: 'stem_bn', axis: -1, epsilon: 1e-3, momentum: 0.99, center: true, scale: true },
      inbound: ['stem'],
      weights: [[8], [8], [8], [8]],
    },
    {
      class_name: 'DepthwiseConv2D',
      config: {
        name: 'dw',
        kernel_size: [3, 3],
        strides: [1, 1],
        padding: 'same',
        depth_multiplier: 1,
        activation: 'linear',
        use_bias: false,
      },
      inbound: ['stem_bn'],
      weights: [[3, 3, 8, 1]],
    },
    { class_name: 'ReLU', config: { name: 'relu6', max_value: 6 }, inbound: ['dw'] },
    { class_name: 'Add', config: { name: 'residual' }, inbound: ['stem_bn', 'relu6'] },
    {
      class_name: 'MaxPooling2D',
      config: { name: 'pool', pool_size: [2, 2], strides: [2, 2], padding: 'valid' },
      inbound: ['residual'],
    },
    { class_name: 'GlobalAveragePooling2D', config: { name: 'gap' }, inbound: ['pool'] },
    {
      class_name: 'Dense',
      config: { name: 'predictions', units: classes, activation: 'softmax', use_bias: true },
      inbound: ['gap'],
      weights: [[8, classes], [classes]],
    },
  ];
}

/** Sequential CNN as Keras 2 wrote it (batch_input_shape on the first layer, a Rescaling to [-1, 1]). */
export function sequentialKerasLayers(size: number, channels = 1, classes = 10): KerasTestLayer[] {
  const side = Math.floor((size - 2) / 2);
  return [
    {
      class_name: 'Rescaling',
      config: { name: 'rescaling', batch_input_shape: [null, size, size, channels], scale: 2, offset: -1 },
    },
    {
      class_name: 'Conv2D',
      config: {
        name: 'conv2d',
        filters: 4,
        kernel_size: [3, 3],
        strides: [1, 1],
        padding: 'valid',
        activation: 'relu',
        use_bias: true,
      },
      weights: [[3, 3, channels, 4], [4]],
    },
    { class_name: 'MaxPooling2D', config: { name: 'max_pooling2d', pool_size: [2, 2], strides: [2, 2], padding: 'valid' } },
    { class_name: 'Flatten', config: { name: 'flatten' } },
    {
      class_name: 'Dense',
      config: { name: 'dense', units: 16, activation: 'relu', use_bias: true },
      weights: [[side * side * 4, 16], [16]],
    },
    { class_name: 'Dropout', config: { name: 'dropout', rate: 0.5 } },
    {
      class_name: 'Dense',
      config: { name: 'dense_1', units: classes, activation: 'linear', use_bias: true },
      weights: [[16, classes], [classes]],
    },
  ];
}
