/**
 * Our own tfjs models out as ONNX (NCHW, as PyTorch would export them), so a model trained or
 * repaired in Antidote runs in ONNX Runtime and every framework that reads ONNX. Covers the layers
 * of the zoo and of imported models' stock parts; anything else is UNSUPPORTED_FORMAT by name.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import { type AttributeValue, OnnxGraphBuilder } from '../formats/onnx/builder.ts';
import type { InputNormalizationConfig } from './layers.ts';

export interface ExportTfjsOptions {
  opset?: number;
  inputName?: string;
  /** A fixed batch size for the ONNX input; symbolic 'N' by default. */
  batch?: number;
}

interface Exported {
  name: string;
  /** Rank 4 values are NCHW in the ONNX graph; rank 2 values are [N, features]. */
  rank: number;
  /** Spatial size [h, w] of rank-4 values. */
  spatial?: [number, number];
}

function fail(layer: tf.layers.Layer, why: string): never {
  throw new AntidoteError(
    'UNSUPPORTED_FORMAT',
    `Layer "${layer.name}" (${layer.getClassName()}) cannot be exported to ONNX: ${why}.`,
  );
}

function floats(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** TF 'same' padding as explicit ONNX [begin, end] per spatial axis. */
function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

export function exportTfjsToOnnx(model: tf.LayersModel, options: ExportTfjsOptions = {}): Uint8Array {
  const g = new OnnxGraphBuilder();
  const values = new Map<string, Exported>();
  const inputShape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || inputShape?.length !== 4) {
    throw new AntidoteError('UNSUPPORTED_FORMAT', 'Only single-input, single-output image models export to ONNX.');
  }
  const [, h, w, c] = inputShape as [null, number, number, number];
  const batch = options.batch ?? 'N';
  const inputName = options.inputName ?? 'input';
  g.input(inputName, [batch, c, h, w]);
  const initializer = (prefix: string, dims: number[], data: Float32Array | number[], dataType?: 'int64') =>
    g.initializer(g.fresh(prefix), { dims, data, dataType: dataType ?? 'float' });

  tf.tidy(() => {
    for (const layer of model.layers) {
      const cls = layer.getClassName();
      const config = layer.getConfig() as Record<string, unknown>;
      const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
      if (layer.inboundNodes.length > 1) fail(layer, 'the layer is applied more than once');
      const ins = inbound.map((l) => values.get(l.name) as Exported);
      if (cls === 'InputLayer') {
        values.set(layer.name, { name: inputName, rank: 4, spatial: [h, w] });
        continue;
      }
      const x = ins[0] as Exported;
      const weights = layer.getWeights();
      const node = (op: string, inputs: string[], attrs: Record<string, AttributeValue> = {}) =>
        g.node(op, inputs, attrs, [g.fresh(layer.name)]);
      const outShape = layer.outputShape as number[];
      const spatial4 = (): [number, number] => [outShape[1] as number, outShape[2] as number];
      let out: Exported;
      const activate = (v: Exported): Exported => {
        const activation = (config.activation as string | undefined) ?? 'linear';
        if (activation === 'linear') return v;
        const op = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax' }[activation];
        if (!op) fail(layer, `activation ${activation}`);
        return { ...v, name: node(op, [v.name], op === 'Softmax' ? { axis: { i: 1 } } : {}) };
      };
      switch (cls) {
        case 'Conv2D':
        case 'DepthwiseConv2D': {
          const [kh, kw] = config.kernelSize as [number, number];
          const [sh, sw] = config.strides as [number, number];
          const [dh, dw] = (config.dilationRate as [number, number] | undefined) ?? [1, 1];
          const [ih, iw] = x.spatial as [number, number];
          const [top, bottom] = config.padding === 'same' ? samePads(ih, kh, sh, dh) : [0, 0];
          const [left, right] = config.padding === 'same' ? samePads(iw, kw, sw, dw) : [0, 0];
          const kernel = weights[0] as tf.Tensor4D;
          const [, , ci, co] = kernel.shape;
          const depthwise = cls === 'DepthwiseConv2D';
          const onnxKernel = depthwise
            ? tf.reshape(tf.transpose(kernel, [2, 3, 0, 1]), [ci * co, 1, kh, kw])
            : tf.transpose(kernel, [3, 2, 0, 1]);
          const inputs = [x.name, initializer('W', onnxKernel.shape, floats(onnxKernel))];
          if (weights[1]) inputs.push(initializer('B', weights[1].shape, floats(weights[1])));
          const y = node('Conv', inputs, {
            kernel_shape: { ints: [kh, kw] },
            strides: { ints: [sh, sw] },
            dilations: { ints: [dh, dw] },
            pads: { ints: [top, left, bottom, right] },
            group: { i: depthwise ? ci : 1 },
          });
          out = activate({ name: y, rank: 4, spatial: spatial4() });
          break;
        }
        case 'BatchNormalization': {
          if ((config.axis as number) !== -1 && (config.axis as number) !== x.rank - 1)
            fail(layer, 'axis is not the channel axis');
          const channels = outShape[outShape.length - 1] as number;
          let i = 0;
          const gamma = config.scale !== false ? (weights[i++] as tf.Tensor) : tf.ones([channels]);
          const beta = config.center !== false ? (weights[i++] as tf.Tensor) : tf.zeros([channels]);
          const mean = weights[i++] as tf.Tensor;
          const variance = weights[i++] as tf.Tensor;
          const y = node(
            'BatchNormalization',
            [
              x.name,
              ...[gamma, beta, mean, variance].map((t, k) =>
                initializer(['scale', 'bias', 'mean', 'var'][k] as string, [channels], floats(t)),
              ),
            ],
            { epsilon: { f: config.epsilon as number }, momentum: { f: config.momentum as number } },
          );
          out = { ...x, name: y };
          break;
        }
        case 'Dense': {
          if (x.rank !== 2) fail(layer, 'Dense on a value that is not flat');
          const kernel = weights[0] as tf.Tensor;
          const inputs = [x.name, initializer('W', kernel.shape, floats(kernel))];
          if (weights[1]) inputs.push(initializer('B', weights[1].shape, floats(weights[1])));
          out = activate({ name: node('Gemm', inputs, { transB: { i: 0 } }), rank: 2 });
          break;
        }
        case 'Activation':
          out = activate(x);
          break;
        case 'ReLU': {
          const maxValue = config.maxValue as number | null | undefined;
          out = {
            ...x,
            name:
              maxValue == null
                ? node('Relu', [x.name])
                : node('Clip', [x.name, initializer('min', [], [0]), initializer('max', [], [maxValue])]),
          };
          break;
        }
        case 'LeakyReLU':
          out = { ...x, name: node('LeakyRelu', [x.name], { alpha: { f: config.alpha as number } }) };
          break;
        case 'Softmax':
          out = { ...x, name: node('Softmax', [x.name], { axis: { i: 1 } }) };
          break;
        case 'MaxPooling2D':
        case 'AveragePooling2D': {
          const [kh, kw] = config.poolSize as [number, number];
          const [sh, sw] = (config.strides as [number, number] | null) ?? [kh, kw];
          const [ih, iw] = x.spatial as [number, number];
          const [top, bottom] = config.padding === 'same' ? samePads(ih, kh, sh, 1) : [0, 0];
          const [left, right] = config.padding === 'same' ? samePads(iw, kw, sw, 1) : [0, 0];
          const attrs: Record<string, AttributeValue> = {
            kernel_shape: { ints: [kh, kw] },
            strides: { ints: [sh, sw] },
            pads: { ints: [top, left, bottom, right] },
          };
          if (cls === 'AveragePooling2D') attrs.count_include_pad = { i: 0 };
          out = { name: node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x.name], attrs), rank: 4, spatial: spatial4() };
          break;
        }
        case 'GlobalAveragePooling2D':
        case 'GlobalMaxPooling2D': {
          const pooled = node(cls === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x.name]);
          out = { name: node('Flatten', [pooled], { axis: { i: 1 } }), rank: 2 };
          break;
        }
        case 'Flatten': {
          // tfjs flattens in NHWC order: transpose the NCHW value back before flattening.
          const nhwc = x.rank === 4 ? node('Transpose', [x.name], { perm: { ints: [0, 2, 3, 1] } }) : x.name;
          out = { name: node('Flatten', [nhwc], { axis: { i: 1 } }), rank: 2 };
          break;
        }
        case 'Add':
        case 'Multiply': {
          const op = cls === 'Add' ? 'Add' : 'Mul';
          let acc = (ins[0] as Exported).name;
          for (const other of ins.slice(1)) acc = node(op, [acc, other.name]);
          out = { ...x, name: acc };
          break;
        }
        case 'Concatenate': {
          const axis = config.axis as number;
          const onnxAxis =
            x.rank === 4 ? ({ [-1]: 1, 3: 1, 1: 2, 2: 3 } as Record<number, number>)[axis] : axis < 0 ? x.rank + axis : axis;
          if (onnxAxis === undefined) fail(layer, `concatenation axis ${axis}`);
          out = {
            ...x,
            name: node(
              'Concat',
              ins.map((v) => v.name),
              { axis: { i: onnxAxis } },
            ),
            spatial: x.rank === 4 ? spatial4() : undefined,
          };
          break;
        }
        case 'Dropout':
          out = x;
          break;
        case 'ZeroPadding2D': {
          const [[t, b], [l, r]] = config.padding as [[number, number], [number, number]];
          const pads = initializer('pads', [8], [0, 0, t, l, 0, 0, b, r], 'int64');
          out = { name: node('Pad', [x.name, pads], { mode: { s: 'constant' } }), rank: 4, spatial: spatial4() };
          break;
        }
        case 'InputNormalization': {
          const norm = config as unknown as InputNormalizationConfig;
          if (norm.reverseChannels) fail(layer, 'BGR channel reversal');
          const dims = [1, c, 1, 1];
          const scaled = node('Mul', [x.name, initializer('scale', [], [norm.scale])]);
          const centred = node('Sub', [scaled, initializer('mean', dims, Float32Array.from(norm.mean))]);
          out = { ...x, name: node('Div', [centred, initializer('std', dims, Float32Array.from(norm.std))]) };
          break;
        }
        default:
          fail(layer, 'no ONNX mapping for this layer type');
      }
      values.set(layer.name, out);
    }
  });
  const last = model.outputLayers[0] as tf.layers.Layer;
  const result = values.get(last.name) as Exported;
  const outputShape = last.outputShape as number[];
  const outName = g.node('Identity', [result.name], {}, ['logits']);
  g.output(outName, [batch, ...(outputShape.slice(1) as number[])]);
  return g.build({ opset: options.opset ?? 17, producerName: 'antidote', graphName: model.name });
}
