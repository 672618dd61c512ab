/**
 * Builds a tfjs LayersModel from a Keras 2 or Keras 3 Sequential/Functional config and its HDF5
 * weights. Keras and tfjs-layers share NHWC layouts and weight orders, so weights load unchanged;
 * only the layers that map to Antidote's op set are accepted, and a custom layer is refused by name.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import type { KerasFile, KerasLayerConfig } from '../formats/keras/read.ts';
import { InputNormalization, type InputNormalizationConfig, OnnxElementwise } from './layers.ts';

export interface KerasBinding {
  layer: string;
  weight: number;
  /** Dataset path in the HDF5 weights file. */
  path: string;
}

export interface ConvertedKeras {
  model: tf.LayersModel;
  bindings: KerasBinding[];
  inputShape: [number, number, number];
}

const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  softmax: 'softmax',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  silu: 'swish',
};

type Factory = (c: Record<string, unknown>, name: string) => tf.layers.Layer;

function pair(value: unknown): [number, number] {
  return (typeof value === 'number' ? [value, value] : value) as [number, number];
}

function activation(c: Record<string, unknown>, layer: string): string | undefined {
  const raw = c.activation;
  const name = typeof raw === 'string' ? raw : (raw as { config?: { name?: string } } | undefined)?.config?.name;
  if (name === undefined) return undefined;
  const mapped = ACTIVATIONS[name];
  if (!mapped) {
    throw new AntidoteError('UNSUPPORTED_FORMAT', `Layer "${layer}" uses activation "${name}", which Antidote does not import.`);
  }
  return mapped;
}

function requireChannelsLast(c: Record<string, unknown>, layer: string): void {
  if (c.data_format !== undefined && c.data_format !== 'channels_last') {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `Layer "${layer}" uses ${String(c.data_format)}; Antidote imports channels_last Keras models.`,
    );
  }
}

const FACTORIES: Record<string, Factory> = {
  Conv2D: (c, name) => {
    requireChannelsLast(c, name);
    if ((c.groups as number | undefined) !== undefined && c.groups !== 1) {
      throw new AntidoteError('UNSUPPORTED_FORMAT', `Layer "${name}" is a grouped convolution (groups=${c.groups}).`);
    }
    return tf.layers.conv2d({
      name,
      filters: c.filters as number,
      kernelSize: pair(c.kernel_size),
      strides: pair(c.strides ?? 1),
      padding: c.padding as 'same' | 'valid',
      dilationRate: pair(c.dilation_rate ?? 1),
      activation: activation(c, name) as never,
      useBias: c.use_bias !== false,
    });
  },
  DepthwiseConv2D: (c, name) => {
    requireChannelsLast(c, name);
    return tf.layers.depthwiseConv2d({
      name,
      kernelSize: pair(c.kernel_size),
      depthMultiplier: (c.depth_multiplier as number | undefined) ?? 1,
      strides: pair(c.strides ?? 1),
      padding: c.padding as 'same' | 'valid',
      dilationRate: pair(c.dilation_rate ?? 1),
      activation: activation(c, name) as never,
      useBias: c.use_bias !== false,
    });
  },
  BatchNormalization: (c, name) => {
    const axis = Array.isArray(c.axis) ? (c.axis[0] as number) : ((c.axis as number | undefined) ?? -1);
    return tf.layers.batchNormalization({
      name,
      axis: axis === 3 ? -1 : axis,
      epsilon: (c.epsilon as number | undefined) ?? 1e-3,
      momentum: (c.momentum as number | undefined) ?? 0.99,
      center: c.center !== false,
      scale: c.scale !== false,
    });
  },
  Dense: (c, name) =>
    tf.layers.dense({ name, units: c.units as number, activation: activation(c, name) as never, useBias: c.use_bias !== false }),
  Activation: (c, name) => tf.layers.activation({ name, activation: activation(c, name) as never }),
  ReLU: (c, name) => {
    if ((c.negative_slope as number | undefined) || (c.threshold as number | undefined)) {
      throw new AntidoteError('UNSUPPORTED_FORMAT', `Layer "${name}" is a ReLU with a slope or threshold.`);
    }
    const maxValue = c.max_value as number | null | undefined;
    return tf.layers.reLU(maxValue == null ? { name } : { name, maxValue });
  },
  LeakyReLU: (c, name) => tf.layers.leakyReLU({ name, alpha: (c.negative_slope ?? c.alpha ?? 0.3) as number }),
  Softmax: (c, name) => tf.layers.softmax({ name, axis: (c.axis as number | undefined) ?? -1 }),
  MaxPooling2D: (c, name) =>
    tf.layers.maxPooling2d({
      name,
      poolSize: pair(c.pool_size),
      strides: pair(c.strides ?? c.pool_size),
      padding: c.padding as 'same' | 'valid',
    }),
  AveragePooling2D: (c, name) =>
    tf.layers.averagePooling2d({
      name,
      poolSize: pair(c.pool_size),
      strides: pair(c.strides ?? c.pool_size),
      padding: c.padding as 'same' | 'valid',
    }),
  GlobalAveragePooling2D: (c, name) => {
    if (c.keepdims) throw new AntidoteError('UNSUPPORTED_FORMAT', `Layer "${name}" keeps its pooled dims.`);
    return tf.layers.globalAveragePooling2d({ name });
  },
  GlobalMaxPooling2D: (c, name) => {
    if (c.keepdims) throw new AntidoteError('UNSUPPORTED_FORMAT', `Layer "${name}" keeps its pooled dims.`);
    return tf.layers.globalMaxPooling2d({ name });
  },
  Rescaling: (c, name) => {
    if (typeof c.scale !== 'number' || typeof (c.offset ?? 0) !== 'number') {
      throw new AntidoteError(
        'UNSUPPORTED_FORMAT',
        `Layer "${name}" rescales per channel; only scalar scale and offset are supported.`,
      );
    }
    return new OnnxElementwise({ op: 'affine', alpha: c.scale, beta: (c.offset as number | undefined) ?? 0, name });
  },
  Flatten: (_c, name) => tf.layers.flatten({ name }),
  Dropout: (c, name) => tf.layers.dropout({ name, rate: c.rate as number }),
  Add: (_c, name) => tf.layers.add({ name }),
  Multiply: (_c, name) => tf.layers.multiply({ name }),
  Concatenate: (c, name) => tf.layers.concatenate({ name, axis: (c.axis as number | undefined) ?? -1 }),
  ZeroPadding2D: (c, name) => {
    const p = c.padding;
    const padding =
      typeof p === 'number'
        ? [
            [p, p],
            [p, p],
          ]
        : Array.isArray(p) && typeof p[0] === 'number'
          ? [
              [p[0], p[0]],
              [p[1], p[1]],
            ]
          : p;
    return tf.layers.zeroPadding2d({ name, padding: padding as [[number, number], [number, number]] });
  },
};

export const SUPPORTED_KERAS_LAYERS: readonly string[] = ['InputLayer', ...Object.keys(FACTORIES)];

function layerName(layer: KerasLayerConfig): string {
  return (layer.config.name as string | undefined) ?? layer.name ?? '';
}

/** [layer name, node index, tensor index] references of a layer's first inbound node (Keras 2 or 3). */
function inboundRefs(layer: KerasLayerConfig): [string, number, number][] {
  const refs: [string, number, number][] = [];
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      if (typeof value[0] === 'string' && typeof value[1] === 'number' && typeof value[2] === 'number') {
        refs.push([value[0], value[1], value[2]]);
        return;
      }
      for (const v of value) visit(v);
      return;
    }
    const o = value as Record<string, unknown>;
    if (o.class_name === '__keras_tensor__') {
      const history = (o.config as { keras_history?: [string, number, number] }).keras_history;
      if (history) refs.push(history);
      return;
    }
    if ('args' in o) visit(o.args);
  };
  const nodes = layer.inbound_nodes ?? [];
  if (nodes.length > 1) {
    throw new AntidoteError('UNSUPPORTED_FORMAT', `Layer "${layerName(layer)}" is shared (called ${nodes.length} times).`);
  }
  visit(nodes[0]);
  return refs;
}

/** (height, width, channels) of a Keras model's input, from its first layer's batch shape. */
export function kerasInputShape(file: KerasFile): [number, number, number] {
  const layer = file.model.config.layers[0];
  if (!layer) throw new AntidoteError('UNSUPPORTED_FORMAT', 'The Keras model has no layers.');
  const shape = (layer.config.batch_shape ?? layer.config.batch_input_shape) as (number | null)[] | undefined;
  if (shape?.length !== 4 || shape.slice(1).some((d) => typeof d !== 'number' || d <= 0)) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `The Keras model input has shape ${JSON.stringify(shape)}; Antidote needs (batch, height, width, channels) with fixed sizes.`,
    );
  }
  return shape.slice(1) as [number, number, number];
}

/** Refuses custom or unknown layer classes up front, naming each. */
function assertSupportedLayers(file: KerasFile): void {
  const bad = file.model.config.layers.filter((l) => {
    const custom =
      (l.module !== undefined && l.module !== null && !String(l.module).startsWith('keras')) ||
      (typeof l.registered_name === 'string' && l.registered_name !== l.class_name);
    return custom || !SUPPORTED_KERAS_LAYERS.includes(l.class_name);
  });
  if (bad.length === 0) return;
  const list = bad.map((l) => `${l.registered_name ?? l.class_name} (layer "${layerName(l)}")`).join(', ');
  throw new AntidoteError(
    'UNSUPPORTED_FORMAT',
    `The Keras config names layers Antidote cannot import: ${list}. Custom layers need their code, which a model file does not carry; supported: ${SUPPORTED_KERAS_LAYERS.join(', ')}.`,
    { details: { unsupportedLayers: bad.map((l) => ({ className: l.class_name, layer: layerName(l) })) } },
  );
}

export function convertKeras(file: KerasFile, options: { normalization?: InputNormalizationConfig } = {}): ConvertedKeras {
  assertSupportedLayers(file);
  const { layers } = file.model.config;
  const sequential = file.model.class_name === 'Sequential';
  const inputShape = kerasInputShape(file);
  const first = layers[0] as KerasLayerConfig;
  const outputs = new Map<string, tf.SymbolicTensor>();
  const input = tf.input({ shape: inputShape, name: first.class_name === 'InputLayer' ? layerName(first) : 'input' });
  let entry: tf.SymbolicTensor = input;
  if (options.normalization) {
    entry = new InputNormalization({ ...options.normalization, name: 'input_normalization' }).apply(input) as tf.SymbolicTensor;
  }
  const bindings: KerasBinding[] = [];
  let last: tf.SymbolicTensor = entry;
  for (const layer of layers) {
    const name = layerName(layer);
    if (layer.class_name === 'InputLayer') {
      outputs.set(name, entry);
      continue;
    }
    const built = (FACTORIES[layer.class_name] as Factory)(layer.config, name);
    let inputs: tf.SymbolicTensor[];
    if (sequential) {
      inputs = [last];
    } else {
      inputs = inboundRefs(layer).map(([from]) => {
        const t = outputs.get(from);
        if (!t) throw new AntidoteError('CORRUPT_FILE', `Layer "${name}" reads "${from}", which comes later or does not exist.`);
        return t;
      });
    }
    const out = built.apply(inputs.length === 1 ? (inputs[0] as tf.SymbolicTensor) : inputs) as tf.SymbolicTensor;
    const weights = file.weights.get(name) ?? [];
    const expected = built.weights.length;
    if (weights.length !== expected) {
      throw new AntidoteError('CORRUPT_FILE', `Layer "${name}" has ${weights.length} weights in the file, ${expected} expected.`);
    }
    if (expected > 0) {
      const tensors = weights.map((w, i) => {
        const shape = built.weights[i]?.shape as number[];
        if (w.values.length !== shape.reduce((a, b) => a * b, 1)) {
          throw new AntidoteError(
            'SHAPE_MISMATCH',
            `Weight "${w.path}" has ${w.values.length} values; layer "${name}" expects [${shape}].`,
          );
        }
        return tf.tensor(w.values, shape);
      });
      built.setWeights(tensors);
      for (const t of tensors) t.dispose();
      weights.forEach((w, i) => {
        bindings.push({ layer: name, weight: i, path: w.path });
      });
    }
    outputs.set(name, out);
    last = out;
  }
  let output = last;
  if (!sequential) {
    const spec = file.model.config.output_layers as unknown[];
    const refs = (Array.isArray(spec?.[0]) ? spec : [spec]) as [string, number, number][];
    if (refs.length !== 1) {
      throw new AntidoteError(
        'UNSUPPORTED_FORMAT',
        `The Keras model has ${refs.length} outputs; export the classifier with one output.`,
      );
    }
    output = outputs.get((refs[0] as [string, number, number])[0]) as tf.SymbolicTensor;
  }
  const model = tf.model({ inputs: input, outputs: output, name: file.model.config.name ?? 'keras_model' });
  return { model, bindings, inputShape };
}
