/**
 * Converts a parsed ONNX image classifier into an equivalent tfjs functional LayersModel in NHWC.
 * ONNX values are tracked with their ONNX (NCHW) shape plus where each ONNX axis sits in the tfjs
 * tensor, so Transposes cost nothing and a Permute is inserted only where an op needs a layout
 * (convolutions want channels last, Flatten wants ONNX order so a following Gemm stays valid).
 * Shape arithmetic (`x.view(x.size(0), -1)`) is folded to constants, with the batch size as NaN.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import type { OnnxModel, OnnxNode, OnnxTensor } from '../formats/onnx/parse.ts';
import { LOGITS_LAYER } from '../models/zoo.ts';
import {
  type BinaryOp,
  InputNormalization,
  type InputNormalizationConfig,
  OnnxBinary,
  OnnxConstantBinary,
  OnnxElementwise,
  OnnxGroupedConv2D,
  OnnxPad2D,
  OnnxPool2D,
} from './layers.ts';

/** ONNX operators (default domain) the converter maps; anything else is refused up front. */
export const SUPPORTED_ONNX_OPS: readonly string[] = [
  'Add',
  'AveragePool',
  'BatchNormalization',
  'Cast',
  'Clip',
  'Concat',
  'Constant',
  'Conv',
  'Div',
  'Dropout',
  'Flatten',
  'Gather',
  'Gemm',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'HardSigmoid',
  'HardSwish',
  'Identity',
  'LeakyRelu',
  'MatMul',
  'MaxPool',
  'Mul',
  'Pad',
  'PRelu',
  'ReduceMean',
  'Relu',
  'Reshape',
  'Shape',
  'Sigmoid',
  'Softmax',
  'Squeeze',
  'Sub',
  'Tanh',
  'Transpose',
  'Unsqueeze',
];

export type InputLayout = 'NCHW' | 'NHWC';

/** How one tfjs weight was made from one ONNX initializer, so write-back can invert it. */
export type WeightBinding =
  | { layer: string; weight: number; initializer: string; transform: 'identity' | 'conv' | 'depthwise' }
  | { layer: string; weight: number; initializer: string; transform: 'dense-kernel'; transB: boolean; alpha: number }
  | { layer: string; weight: number; initializer: string; transform: 'dense-bias'; beta: number };

export interface ConvertedOnnx {
  model: tf.LayersModel;
  bindings: WeightBinding[];
  inputName: string;
  outputName: string;
  inputLayout: InputLayout;
  /** [height, width, channels] of the tfjs input. */
  inputShape: [number, number, number];
  /** The ONNX input's batch size when the file fixes it (torch.onnx.export without dynamic axes). */
  staticBatch: number | null;
}

export interface ConvertOptions {
  /** Layout of the ONNX input; guessed from the channel axis when omitted (NCHW when ambiguous). */
  layout?: InputLayout;
  /** Prepends an InputNormalization layer, so the model takes Antidote's [0,1] RGB pixels. */
  normalization?: InputNormalizationConfig;
}

interface ConstValue {
  kind: 'const';
  shape: number[];
  data: ArrayLike<number>;
  /** The initializer this constant is, when it is one unchanged (write-back target). */
  initializer?: string;
}

interface SymValue {
  kind: 'sym';
  t: tf.SymbolicTensor;
  /** ONNX shape; the batch axis is NaN. */
  shape: number[];
  /** phys[i] = the ONNX axis stored at tfjs axis i. */
  phys: number[];
}

type Value = ConstValue | SymValue;

const CHANNELS_LAST = [0, 2, 3, 1];

function identityPerm(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || v === b[i]);
}

function transposeData(data: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const outShape = perm.map((p) => shape[p] as number);
  const strides = shape.map((_, i) => product(shape.slice(i + 1)));
  const total = product(shape);
  const out: number[] = new Array(total);
  const index = new Array(outShape.length).fill(0);
  for (let o = 0; o < total; o++) {
    let src = 0;
    for (let j = 0; j < perm.length; j++) src += index[j] * (strides[perm[j] as number] as number);
    out[o] = data[src] as number;
    for (let j = outShape.length - 1; j >= 0; j--) {
      index[j]++;
      if (index[j] < (outShape[j] as number)) break;
      index[j] = 0;
    }
  }
  return out;
}

function broadcastShape(a: number[], b: number[], where: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1 && !Number.isNaN(da) && !Number.isNaN(db)) {
      throw new AntidoteError('SHAPE_MISMATCH', `${where}: shapes [${a}] and [${b}] do not broadcast.`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

function foldBinary(op: BinaryOp, a: ConstValue, b: ConstValue, where: string): ConstValue {
  const shape = broadcastShape(a.shape, b.shape, where);
  const total = product(shape);
  const out: number[] = new Array(total);
  const at = (v: ConstValue, flat: number): number => {
    let offset = 0;
    let stride = 1;
    let rest = flat;
    const idx: number[] = new Array(shape.length);
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = rest % (shape[i] as number);
      rest = Math.floor(rest / (shape[i] as number));
    }
    for (let i = v.shape.length - 1; i >= 0; i--) {
      const dim = v.shape[i] as number;
      const k = idx[shape.length - v.shape.length + i] as number;
      offset += (dim === 1 ? 0 : k) * stride;
      stride *= dim;
    }
    return v.data[offset] as number;
  };
  for (let i = 0; i < total; i++) {
    const x = at(a, i);
    const y = at(b, i);
    out[i] = op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y;
  }
  return { kind: 'const', shape, data: out };
}

function unsupported(node: OnnxNode, why: string): AntidoteError {
  return new AntidoteError(
    'UNSUPPORTED_FORMAT',
    `Node "${node.name}" (${node.opType}): ${why}. Antidote cannot import this model as is; re-export without this construct.`,
    { details: { node: node.name, opType: node.opType } },
  );
}

/** Every unsupported op type with the first node using it, as one typed error. */
export function assertSupportedOps(model: OnnxModel): void {
  const supported = new Set(SUPPORTED_ONNX_OPS);
  const firstUse = new Map<string, string>();
  for (const node of model.nodes) {
    const defaultDomain = node.domain === '' || node.domain === 'ai.onnx';
    const key = defaultDomain ? node.opType : `${node.domain}.${node.opType}`;
    if ((!defaultDomain || !supported.has(node.opType)) && !firstUse.has(key)) firstUse.set(key, node.name);
  }
  if (firstUse.size === 0) return;
  const list = [...firstUse].map(([op, node]) => `${op} (first used by node "${node}")`).join(', ');
  throw new AntidoteError(
    'UNSUPPORTED_FORMAT',
    `The ONNX model uses operators Antidote does not import: ${list}. Supported: ${SUPPORTED_ONNX_OPS.join(', ')}.`,
    { details: { unsupportedOps: [...firstUse].map(([opType, node]) => ({ opType, node })) } },
  );
}

/** The input layout of an ONNX image model: explicit, else the axis that looks like channels. */
export function guessInputLayout(dims: readonly (number | null)[]): InputLayout {
  const looksLikeChannels = (d: number | null | undefined) => d === 1 || d === 3 || d === 4;
  if (looksLikeChannels(dims[3]) && !looksLikeChannels(dims[1])) return 'NHWC';
  return 'NCHW';
}

export interface InputGeometry {
  layout: InputLayout;
  height: number;
  width: number;
  channels: number;
  staticBatch: number | null;
}

/** The single image input of an ONNX classifier, validated: one input, one output, a batch axis, fixed C/H/W. */
export function onnxInputGeometry(onnx: OnnxModel, layoutOverride?: InputLayout): InputGeometry {
  if (onnx.inputs.length !== 1) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `The ONNX model has ${onnx.inputs.length} inputs (${onnx.inputs.map((i) => i.name).join(', ')}); Antidote imports image classifiers with exactly one image input.`,
    );
  }
  if (onnx.outputs.length !== 1) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `The ONNX model has ${onnx.outputs.length} outputs (${onnx.outputs.map((o) => o.name).join(', ')}); export the classifier with its logits (or probabilities) as the only output.`,
    );
  }
  const input = onnx.inputs[0] as OnnxModel['inputs'][number];
  const dims = input.shape;
  if (dims?.length !== 4) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      dims && dims.length === 3
        ? `The ONNX input "${input.name}" has shape [${dims.join(', ')}] without a batch dimension; export with a batch axis first (N, C, H, W).`
        : `The ONNX input "${input.name}" has shape ${dims ? `[${dims.join(', ')}]` : 'unknown'}; Antidote needs a 4-D image input (N, C, H, W or N, H, W, C).`,
    );
  }
  const layout = layoutOverride ?? guessInputLayout(dims);
  const channelsFirst = [1, 3, 4].includes(dims[1] ?? 0);
  const channelsLast = [1, 3, 4].includes(dims[3] ?? 0);
  if (layoutOverride && channelsFirst !== channelsLast && (layoutOverride === 'NCHW') !== channelsFirst) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `The ONNX input "${input.name}" has shape [${dims.map((d) => d ?? '?').join(', ')}], which is ${channelsFirst ? 'NCHW' : 'NHWC'}; the preprocessing says ${layoutOverride}. Correct the layout.`,
    );
  }
  const [c, h, w] = layout === 'NCHW' ? [dims[1], dims[2], dims[3]] : [dims[3], dims[1], dims[2]];
  if (!c || !h || !w) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `The ONNX input "${input.name}" has shape [${dims.map((d) => d ?? '?').join(', ')}]; channels, height and width must be fixed numbers.`,
    );
  }
  return { layout, height: h, width: w, channels: c, staticBatch: dims[0] ?? null };
}

export function convertOnnx(onnx: OnnxModel, options: ConvertOptions = {}): ConvertedOnnx {
  assertSupportedOps(onnx);
  const { layout, height: h, width: w, channels: c, staticBatch } = onnxInputGeometry(onnx, options.layout);
  const input = onnx.inputs[0] as OnnxModel['inputs'][number];
  const output = onnx.outputs[0] as OnnxModel['outputs'][number];
  const converter = new Converter(onnx, staticBatch);
  const tfInput = tf.input({ shape: [h, w, c], name: converter.layerName('input') });
  let entry = tfInput;
  if (options.normalization) {
    entry = new InputNormalization({ ...options.normalization, name: converter.layerName('input_normalization') }).apply(
      tfInput,
    ) as tf.SymbolicTensor;
  }
  converter.values.set(
    input.name,
    layout === 'NCHW'
      ? { kind: 'sym', t: entry, shape: [Number.NaN, c, h, w], phys: CHANNELS_LAST }
      : { kind: 'sym', t: entry, shape: [Number.NaN, h, w, c], phys: identityPerm(4) },
  );
  converter.run();
  const result = converter.values.get(output.name);
  if (result?.kind !== 'sym') {
    throw new AntidoteError('UNSUPPORTED_FORMAT', `The ONNX output "${output.name}" does not depend on the input.`);
  }
  const model = tf.model({ inputs: tfInput, outputs: result.t, name: converter.layerName(onnx.graphName || 'onnx') });
  return {
    model,
    bindings: converter.bindings,
    inputName: input.name,
    outputName: output.name,
    inputLayout: layout,
    inputShape: [h, w, c],
    staticBatch,
  };
}

class Converter {
  readonly values = new Map<string, Value>();
  readonly bindings: WeightBinding[] = [];
  private readonly usedNames = new Set<string>();
  private readonly consumers = new Map<string, OnnxNode[]>();
  private readonly graphOutputs: Set<string>;
  private readonly skipped = new Set<OnnxNode>();

  constructor(
    private readonly onnx: OnnxModel,
    private readonly staticBatch: number | null,
  ) {
    for (const node of onnx.nodes) {
      for (const name of node.inputs) this.consumers.set(name, [...(this.consumers.get(name) ?? []), node]);
    }
    this.graphOutputs = new Set(onnx.outputs.map((o) => o.name));
    for (const [name, tensor] of onnx.initializers) this.values.set(name, constFromTensor(tensor, name));
  }

  layerName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '') || 'layer';
    let name = clean;
    for (let i = 1; this.usedNames.has(name); i++) name = `${clean}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  run(): void {
    for (const node of this.onnx.nodes) {
      if (this.skipped.has(node)) continue;
      this.convertNode(node);
    }
  }

  private value(node: OnnxNode, index: number): Value | undefined {
    const name = node.inputs[index];
    if (!name) return undefined;
    const v = this.values.get(name);
    if (!v) throw unsupported(node, `input "${name}" is not available`);
    return v;
  }

  private sym(node: OnnxNode, index: number): SymValue {
    const v = this.value(node, index);
    if (v?.kind !== 'sym') throw unsupported(node, `input ${index} must be computed from the image, not a constant`);
    return v;
  }

  private constant(node: OnnxNode, index: number): ConstValue | undefined {
    const v = this.value(node, index);
    if (v && v.kind !== 'const') throw unsupported(node, `input ${index} must be a constant (an initializer)`);
    return v;
  }

  private requireConstant(node: OnnxNode, index: number): ConstValue {
    const v = this.constant(node, index);
    if (!v) throw unsupported(node, `input ${index} is missing`);
    return v;
  }

  private soleConsumer(name: string): OnnxNode | undefined {
    const list = this.consumers.get(name) ?? [];
    return list.length === 1 && !this.graphOutputs.has(name) ? list[0] : undefined;
  }

  /** Skips Identity/Dropout chains after `name` when nothing else reads them; returns the last value name. */
  private pastPassthrough(name: string): string {
    let out = name;
    for (let next = this.soleConsumer(out); next && (next.opType === 'Identity' || next.opType === 'Dropout'); ) {
      this.skipped.add(next);
      out = next.outputs[0] as string;
      next = this.soleConsumer(out);
    }
    return out;
  }

  private setOutput(node: OnnxNode, value: Value, outputName = node.outputs[0]): void {
    if (outputName) this.values.set(outputName, value);
  }

  private apply(layer: tf.layers.Layer, inputs: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
    return layer.apply(inputs) as tf.SymbolicTensor;
  }

  private symFrom(t: tf.SymbolicTensor, phys: number[]): SymValue {
    const shape: number[] = new Array(phys.length);
    phys.forEach((axis, i) => {
      shape[axis] = i === 0 ? Number.NaN : (t.shape[i] as number);
    });
    return { kind: 'sym', t, shape, phys };
  }

  /** Brings a value into the wanted axis placement, with a Permute layer when it differs. */
  private toPhys(x: SymValue, wanted: number[], base: string): SymValue {
    if (sameDims(x.phys, wanted)) return x;
    const dims = wanted.slice(1).map((axis) => x.phys.indexOf(axis));
    const t = this.apply(tf.layers.permute({ dims, name: this.layerName(`${base}_permute`) }), x.t);
    return { kind: 'sym', t, shape: x.shape, phys: wanted };
  }

  private setWeights(layer: tf.layers.Layer, weights: tf.Tensor[]): void {
    layer.setWeights(weights);
    for (const w of weights) w.dispose();
  }

  private bind(binding: WeightBinding, value: ConstValue | undefined): void {
    if (value?.initializer) this.bindings.push({ ...binding, initializer: value.initializer });
  }

  private convertNode(node: OnnxNode): void {
    const value = this.compute(node);
    if (value) this.setOutput(node, value);
  }

  /** The value of a node's first output; undefined when the node set its outputs itself (fused heads). */
  private compute(node: OnnxNode): Value | undefined {
    const op = node.opType;
    const inputs = node.inputs.map((name) => (name ? this.values.get(name) : undefined));
    const allConst = inputs.every((v) => v === undefined || v.kind === 'const');
    if (op === 'Constant') return constantNode(node);
    if (op === 'Shape') return this.shapeOf(node);
    if (allConst && node.inputs.length > 0) return this.fold(node);
    switch (op) {
      case 'Identity':
      case 'Dropout':
        return this.value(node, 0) as Value;
      case 'Cast':
        if (attrInt(node, 'to', 1) !== 1) throw unsupported(node, 'only casts to float32 are supported on image values');
        return this.sym(node, 0);
      case 'Conv':
        return this.conv(node);
      case 'BatchNormalization':
        return this.batchNorm(node);
      case 'Relu':
        return this.unary(node, tf.layers.reLU({ name: this.layerName(node.name) }));
      case 'LeakyRelu':
        return this.unary(node, tf.layers.leakyReLU({ alpha: attrFloat(node, 'alpha', 0.01), name: this.layerName(node.name) }));
      case 'Sigmoid':
      case 'Tanh':
        return this.unary(
          node,
          tf.layers.activation({ activation: op === 'Sigmoid' ? 'sigmoid' : 'tanh', name: this.layerName(node.name) }),
        );
      case 'Clip':
        return this.clip(node);
      case 'PRelu':
        return this.prelu(node);
      case 'HardSigmoid':
        return this.unary(
          node,
          new OnnxElementwise({
            op: 'hardSigmoid',
            alpha: attrFloat(node, 'alpha', 0.2),
            beta: attrFloat(node, 'beta', 0.5),
            name: this.layerName(node.name),
          }),
        );
      case 'HardSwish':
        return this.unary(
          node,
          new OnnxElementwise({ op: 'hardSwish', alpha: 1 / 6, beta: 0.5, name: this.layerName(node.name) }),
        );
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
        return this.binary(node, op.toLowerCase() as BinaryOp);
      case 'Concat':
        return this.concat(node);
      case 'MaxPool':
      case 'AveragePool':
        return this.pool(node, op === 'MaxPool' ? 'max' : 'avg');
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
        return this.globalPool(node, op === 'GlobalMaxPool' ? 'max' : 'avg', true);
      case 'ReduceMean':
        return this.reduceMean(node);
      case 'Flatten': {
        const x = this.sym(node, 0);
        const axis = normalizeAxis(attrInt(node, 'axis', 1), x.shape.length);
        if (axis !== 1) throw unsupported(node, `Flatten at axis ${axis} (only axis 1 keeps the batch axis)`);
        return this.flatten(x, node.name);
      }
      case 'Reshape':
        return this.reshape(node);
      case 'Unsqueeze':
      case 'Squeeze': {
        const x = this.sym(node, 0);
        const shape = op === 'Unsqueeze' ? unsqueezeShape(node, x.shape, this) : squeezeShape(node, x.shape, this);
        if (!Number.isNaN(shape[0])) throw unsupported(node, 'the batch axis must stay first');
        return this.reshapeTo(x, shape.slice(1), node.name);
      }
      case 'Transpose':
        return this.transpose(node);
      case 'Gemm':
      case 'MatMul':
        this.dense(node);
        return undefined;
      case 'Softmax': {
        const x = this.sym(node, 0);
        const axis = normalizeAxis(attrInt(node, 'axis', this.onnx.opset >= 13 ? -1 : 1), x.shape.length);
        if (this.onnx.opset < 13 && axis !== x.shape.length - 1) {
          throw unsupported(node, 'Softmax before opset 13 over more than the last axis');
        }
        const layer = tf.layers.softmax({ axis: x.phys.indexOf(axis), name: this.layerName(node.name) });
        return { ...x, t: this.apply(layer, x.t) };
      }
      case 'Pad':
        return this.pad(node);
      case 'Gather':
        throw unsupported(node, 'Gather on image values (only shape arithmetic is supported)');
      default:
        throw unsupported(node, 'operator not supported');
    }
  }

  // ---- constants -------------------------------------------------------------------------------

  shapeOf(node: OnnxNode): ConstValue {
    const x = this.value(node, 0) as Value;
    const full = x.shape;
    const rank = full.length;
    const start = normalizeAxis(attrInt(node, 'start', 0), rank + 1);
    const endAttr = node.attributes.get('end');
    const end = endAttr?.kind === 'int' ? normalizeAxis(endAttr.value, rank + 1) : rank;
    const dims = full.slice(start, end);
    return { kind: 'const', shape: [dims.length], data: dims };
  }

  /** Values of a constant input that holds integers (axes, shapes, pads), or of an int/ints attribute. */
  ints(node: OnnxNode, inputIndex: number, attr: string): number[] | undefined {
    const a = node.attributes.get(attr);
    if (a?.kind === 'ints') return a.value;
    if (a?.kind === 'int') return [a.value];
    const v = this.constant(node, inputIndex);
    return v ? Array.from(v.data) : undefined;
  }

  private fold(node: OnnxNode): ConstValue {
    const a = this.requireConstant(node, 0);
    switch (node.opType) {
      case 'Identity':
      case 'Dropout':
        return a;
      case 'Cast': {
        const to = attrInt(node, 'to', 1);
        const isInt = to !== 1 && to !== 10 && to !== 11;
        return {
          kind: 'const',
          shape: a.shape,
          data: isInt ? Array.from(a.data, (v) => (Number.isNaN(v) ? v : Math.trunc(v))) : a.data,
        };
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
        return foldBinary(node.opType.toLowerCase() as BinaryOp, a, this.requireConstant(node, 1), `Node "${node.name}"`);
      case 'Gather': {
        const indices = this.requireConstant(node, 1);
        if (a.shape.length !== 1 || attrInt(node, 'axis', 0) !== 0) throw unsupported(node, 'Gather of constants beyond 1-D');
        const length = a.shape[0] as number;
        const data = Array.from(indices.data, (i) => a.data[i < 0 ? i + length : i] as number);
        return { kind: 'const', shape: indices.shape, data };
      }
      case 'Unsqueeze':
        return { kind: 'const', shape: unsqueezeShape(node, a.shape, this), data: a.data };
      case 'Squeeze':
        return { kind: 'const', shape: squeezeShape(node, a.shape, this), data: a.data };
      case 'Reshape': {
        const target = Array.from(this.requireConstant(node, 1).data);
        const known = target.map((d, i) => (d === 0 ? (a.shape[i] as number) : d));
        const rest = product(known.filter((d) => d !== -1));
        return { kind: 'const', shape: known.map((d) => (d === -1 ? product(a.shape) / rest : d)), data: a.data };
      }
      case 'Concat': {
        const parts = node.inputs.map((_, i) => this.requireConstant(node, i));
        if (parts.some((p) => p.shape.length !== 1)) throw unsupported(node, 'Concat of constants beyond 1-D');
        const data = parts.flatMap((p) => Array.from(p.data));
        return { kind: 'const', shape: [data.length], data };
      }
      case 'Transpose': {
        const perm = attrInts(node, 'perm') ?? identityPerm(a.shape.length).reverse();
        return { kind: 'const', shape: perm.map((p) => a.shape[p] as number), data: transposeData(a.data, a.shape, perm) };
      }
      default:
        throw unsupported(node, 'this operator on constants only (no image input reaches it)');
    }
  }

  // ---- layers ----------------------------------------------------------------------------------

  private unary(node: OnnxNode, layer: tf.layers.Layer): SymValue {
    const x = this.sym(node, 0);
    return { ...x, t: this.apply(layer, x.t) };
  }

  private clip(node: OnnxNode): SymValue {
    const bound = (index: number, attr: string, fallback: number): number => {
      const v = this.constant(node, index);
      if (v) return v.data[0] as number;
      return attrFloat(node, attr, fallback);
    };
    const min = bound(1, 'min', Number.NEGATIVE_INFINITY);
    const max = bound(2, 'max', Number.POSITIVE_INFINITY);
    const name = this.layerName(node.name);
    if (min === 0) {
      return this.unary(node, tf.layers.reLU(Number.isFinite(max) ? { maxValue: max, name } : { name }));
    }
    return this.unary(
      node,
      new OnnxElementwise({
        op: 'clip',
        min: Number.isFinite(min) ? min : undefined,
        max: Number.isFinite(max) ? max : undefined,
        name,
      }),
    );
  }

  /** PRelu with one slope per channel (or one for all), as PyTorch's nn.PReLU exports it. */
  private prelu(node: OnnxNode): SymValue {
    const x0 = this.sym(node, 0);
    const slope = this.requireConstant(node, 1);
    const rank = x0.shape.length;
    const channels = x0.shape[1] as number;
    const count = product(slope.shape);
    if ((rank !== 4 && rank !== 2) || (count !== 1 && count !== channels)) {
      throw unsupported(node, `a slope of shape [${slope.shape}] for a rank-${rank} value (one per channel or one in all)`);
    }
    const x = this.toPhys(x0, rank === 4 ? CHANNELS_LAST : [0, 1], node.name);
    const shared = rank === 4 ? (count === 1 ? [1, 2, 3] : [1, 2]) : count === 1 ? [1] : undefined;
    const name = this.layerName(node.name);
    const layer = tf.layers.prelu({ sharedAxes: shared, name });
    const t = this.apply(layer, x.t);
    const alphaShape = layer.getWeights()[0]?.shape as number[];
    this.setWeights(layer, [tf.tensor(Float32Array.from(slope.data), alphaShape)]);
    this.bind({ layer: name, weight: 0, initializer: '', transform: 'identity' }, slope);
    return { ...x, t };
  }

  /** Explicit [top, left, bottom, right] pads from `pads` or `auto_pad`. */
  private spatialPads(node: OnnxNode, size: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
    const autoPad = attrString(node, 'auto_pad', 'NOTSET');
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const begin: number[] = [];
      const end: number[] = [];
      for (let i = 0; i < 2; i++) {
        const s = strides[i] as number;
        const inSize = size[i] as number;
        const out = Math.ceil(inSize / s);
        const total = Math.max((out - 1) * s + ((kernel[i] as number) - 1) * (dilations[i] as number) + 1 - inSize, 0);
        const small = Math.floor(total / 2);
        begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
        end.push(autoPad === 'SAME_UPPER' ? total - small : small);
      }
      return [...begin, ...end];
    }
    if (autoPad === 'VALID') return [0, 0, 0, 0];
    const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
    if (pads.length !== 4 || pads.some((p) => p < 0)) throw unsupported(node, `pads [${pads}] (need 4 non-negative values)`);
    return pads;
  }

  private conv(node: OnnxNode): SymValue {
    const x0 = this.sym(node, 0);
    const weight = this.requireConstant(node, 1);
    const bias = this.constant(node, 2);
    if (x0.shape.length !== 4 || weight.shape.length !== 4) throw unsupported(node, 'only 2-D convolutions are supported');
    const [outChannels, groupChannels, kh, kw] = weight.shape as [number, number, number, number];
    const inChannels = x0.shape[1] as number;
    const group = attrInt(node, 'group', 1);
    const strides = attrInts(node, 'strides') ?? [1, 1];
    const dilations = attrInts(node, 'dilations') ?? [1, 1];
    if (strides.some((s) => s > 1) && dilations.some((d) => d > 1)) {
      throw unsupported(node, 'a convolution with both stride > 1 and dilation > 1');
    }
    let x = this.toPhys(x0, CHANNELS_LAST, node.name);
    const [top, left, bottom, right] = this.spatialPads(node, x0.shape.slice(2), [kh, kw], strides, dilations) as number[];
    let t = x.t;
    if (top || left || bottom || right) {
      t = this.apply(
        tf.layers.zeroPadding2d({
          padding: [
            [top as number, bottom as number],
            [left as number, right as number],
          ],
          name: this.layerName(`${node.name}_pad`),
        }),
        t,
      );
    }
    const name = this.layerName(node.name);
    const common = {
      kernelSize: [kh, kw] as [number, number],
      strides: strides as [number, number],
      dilationRate: dilations as [number, number],
      padding: 'valid' as const,
      useBias: bias !== undefined,
      name,
    };
    let layer: tf.layers.Layer;
    let kernel: tf.Tensor;
    let transform: 'conv' | 'depthwise';
    const dilated = dilations.some((d) => d > 1);
    if (group === 1 && !dilated) {
      if (groupChannels !== inChannels)
        throw unsupported(node, `weights for ${groupChannels} input channels, input has ${inChannels}`);
      layer = tf.layers.conv2d({ ...common, filters: outChannels });
      kernel = tf.tidy(() =>
        tf.transpose(tf.tensor4d(weight.data as Float32Array, weight.shape as [number, number, number, number]), [2, 3, 1, 0]),
      );
      transform = 'conv';
    } else if (!dilated && group === inChannels && groupChannels === 1 && outChannels % inChannels === 0) {
      const multiplier = outChannels / inChannels;
      layer = tf.layers.depthwiseConv2d({ ...common, depthMultiplier: multiplier });
      kernel = tf.tidy(() =>
        tf.transpose(tf.tensor4d(weight.data as Float32Array, [inChannels, multiplier, kh, kw]), [2, 3, 0, 1]),
      );
      transform = 'depthwise';
    } else if (inChannels % group === 0 && outChannels % group === 0 && groupChannels === inChannels / group) {
      layer = new OnnxGroupedConv2D({
        filters: outChannels,
        kernelSize: [kh, kw],
        strides: strides as [number, number],
        dilationRate: dilations as [number, number],
        groups: group,
        useBias: bias !== undefined,
        name,
      });
      kernel = tf.tidy(() =>
        tf.transpose(tf.tensor4d(weight.data as Float32Array, weight.shape as [number, number, number, number]), [2, 3, 1, 0]),
      );
      transform = 'conv';
    } else {
      throw unsupported(node, `group=${group} with ${inChannels} input and ${outChannels} output channels`);
    }
    t = this.apply(layer, t);
    const weights = [kernel];
    if (bias) weights.push(tf.tensor1d(bias.data as Float32Array));
    this.setWeights(layer, weights);
    this.bind({ layer: name, weight: 0, initializer: '', transform }, weight);
    this.bind({ layer: name, weight: 1, initializer: '', transform: 'identity' }, bias);
    x = this.symFrom(t, CHANNELS_LAST);
    return x;
  }

  private batchNorm(node: OnnxNode): SymValue {
    const x0 = this.sym(node, 0);
    const rank = x0.shape.length;
    const x = this.toPhys(x0, rank === 4 ? CHANNELS_LAST : identityPerm(rank), node.name);
    if (x.phys[rank - 1] !== 1) throw unsupported(node, 'BatchNormalization whose channel axis is not axis 1');
    const name = this.layerName(node.name);
    const layer = tf.layers.batchNormalization({
      axis: -1,
      epsilon: attrFloat(node, 'epsilon', 1e-5),
      momentum: attrFloat(node, 'momentum', 0.9),
      name,
    });
    const t = this.apply(layer, x.t);
    const params = [1, 2, 3, 4].map((i) => this.requireConstant(node, i));
    this.setWeights(
      layer,
      params.map((p) => tf.tensor1d(Float32Array.from(p.data))),
    );
    params.forEach((p, i) => {
      this.bind({ layer: name, weight: i, initializer: '', transform: 'identity' }, p);
    });
    return { ...x, t };
  }

  private binary(node: OnnxNode, op: BinaryOp): SymValue {
    const a = this.value(node, 0) as Value;
    const b = this.value(node, 1) as Value;
    if (a.kind === 'sym' && b.kind === 'sym') {
      if (a.shape.length !== b.shape.length) throw unsupported(node, 'operands of different ranks');
      const bb = this.toPhys(b, a.phys, node.name);
      const name = this.layerName(node.name);
      const equal = sameDims(a.shape, bb.shape);
      const layer =
        equal && op === 'add'
          ? tf.layers.add({ name })
          : equal && op === 'mul'
            ? tf.layers.multiply({ name })
            : new OnnxBinary({ op, name });
      return this.symFrom(this.apply(layer, [a.t, bb.t]), a.phys);
    }
    const [x, c] = (a.kind === 'sym' ? [a, b] : [b, a]) as [SymValue, ConstValue];
    const rank = x.shape.length;
    if (c.shape.length > rank) throw unsupported(node, 'a constant of higher rank than the image value');
    const padded = [...new Array(rank - c.shape.length).fill(1), ...c.shape] as number[];
    if (padded[0] !== 1) throw unsupported(node, 'a constant that varies along the batch axis');
    broadcastShape(x.shape, padded, `Node "${node.name}"`);
    const physShape = x.phys.map((axis) => padded[axis] as number);
    const physData = transposeData(c.data, padded, x.phys);
    const name = this.layerName(node.name);
    const layer = new OnnxConstantBinary({ op, constantShape: physShape, constantFirst: a.kind === 'const', name });
    const t = this.apply(layer, x.t);
    this.setWeights(layer, [tf.tensor(physData, physShape)]);
    return this.symFrom(t, x.phys);
  }

  private concat(node: OnnxNode): SymValue {
    const parts = node.inputs.map((_, i) => this.sym(node, i));
    const first = parts[0] as SymValue;
    const axis = normalizeAxis(attrInt(node, 'axis', 1), first.shape.length);
    if (axis === 0) throw unsupported(node, 'Concat along the batch axis');
    const aligned = parts.map((p) => this.toPhys(p, first.phys, node.name));
    const layer = tf.layers.concatenate({ axis: first.phys.indexOf(axis), name: this.layerName(node.name) });
    return this.symFrom(
      this.apply(
        layer,
        aligned.map((p) => p.t),
      ),
      first.phys,
    );
  }

  private pool(node: OnnxNode, op: 'max' | 'avg'): SymValue {
    const x0 = this.sym(node, 0);
    if (x0.shape.length !== 4) throw unsupported(node, 'only 2-D pooling is supported');
    const kernel = attrInts(node, 'kernel_shape') ?? [];
    if (kernel.length !== 2) throw unsupported(node, 'kernel_shape must have 2 values');
    const strides = attrInts(node, 'strides') ?? [1, 1];
    const dilations = attrInts(node, 'dilations') ?? [1, 1];
    if (dilations.some((d) => d !== 1)) throw unsupported(node, 'dilated pooling');
    const size = x0.shape.slice(2) as number[];
    const [top, left, bottom, right] = this.spatialPads(node, size, kernel, strides, [1, 1]) as number[];
    const countIncludePad = attrInt(node, 'count_include_pad', 0) === 1;
    const ceilMode = attrInt(node, 'ceil_mode', 0) === 1;
    const extra = [0, 0];
    if (ceilMode) {
      for (let i = 0; i < 2; i++) {
        const lo = i === 0 ? (top as number) : (left as number);
        const hi = i === 0 ? (bottom as number) : (right as number);
        const span = (size[i] as number) + lo + hi - (kernel[i] as number);
        let out = Math.ceil(span / (strides[i] as number)) + 1;
        if ((out - 1) * (strides[i] as number) >= (size[i] as number) + lo) out--;
        extra[i] = Math.max(0, (out - 1) * (strides[i] as number) + (kernel[i] as number) - ((size[i] as number) + lo + hi));
      }
    }
    if (op === 'avg' && countIncludePad && (extra[0] || extra[1])) {
      throw unsupported(node, 'AveragePool with ceil_mode=1 and count_include_pad=1 whose windows overhang');
    }
    const x = this.toPhys(x0, CHANNELS_LAST, node.name);
    const name = this.layerName(node.name);
    const pads: [number, number, number, number] = [
      top as number,
      (bottom as number) + (extra[0] as number),
      left as number,
      (right as number) + (extra[1] as number),
    ];
    const layer = pads.every((p) => p === 0)
      ? op === 'max'
        ? tf.layers.maxPooling2d({
            poolSize: kernel as [number, number],
            strides: strides as [number, number],
            padding: 'valid',
            name,
          })
        : tf.layers.averagePooling2d({
            poolSize: kernel as [number, number],
            strides: strides as [number, number],
            padding: 'valid',
            name,
          })
      : new OnnxPool2D({
          op,
          kernel: kernel as [number, number],
          strides: strides as [number, number],
          pads,
          countIncludePad,
          name,
        });
    return this.symFrom(this.apply(layer, x.t), CHANNELS_LAST);
  }

  private globalPool(node: OnnxNode, op: 'max' | 'avg', keepDims: boolean): SymValue {
    const x0 = this.sym(node, 0);
    if (x0.shape.length !== 4) throw unsupported(node, 'global pooling of a non-image value');
    const x = this.toPhys(x0, CHANNELS_LAST, node.name);
    const name = this.layerName(node.name);
    const layer = op === 'max' ? tf.layers.globalMaxPooling2d({ name }) : tf.layers.globalAveragePooling2d({ name });
    const pooled = this.apply(layer, x.t);
    const channels = x0.shape[1] as number;
    if (!keepDims) return { kind: 'sym', t: pooled, shape: [Number.NaN, channels], phys: [0, 1] };
    const t = this.apply(
      tf.layers.reshape({ targetShape: [1, 1, channels], name: this.layerName(`${node.name}_keepdims`) }),
      pooled,
    );
    return { kind: 'sym', t, shape: [Number.NaN, channels, 1, 1], phys: CHANNELS_LAST };
  }

  private reduceMean(node: OnnxNode): SymValue {
    const x = this.sym(node, 0);
    const axes = (this.ints(node, 1, 'axes') ?? []).map((a) => normalizeAxis(a, x.shape.length)).sort();
    if (x.shape.length !== 4 || !sameDims(axes, [2, 3])) {
      throw unsupported(node, `ReduceMean over axes [${axes}] (only the spatial axes [2, 3] of an image)`);
    }
    return this.globalPool(node, 'avg', attrInt(node, 'keepdims', 1) === 1);
  }

  /** ONNX Flatten(axis=1): flattens in ONNX (NCHW) order, permuting only when the orders differ. */
  private flatten(x0: SymValue, base: string): SymValue {
    if (x0.shape.length === 2) return x0;
    const nonUnit = x0.phys.slice(1).filter((axis) => x0.shape[axis] !== 1);
    const ordered = [...nonUnit].sort((a, b) => a - b);
    const x = sameDims(nonUnit, ordered) ? x0 : this.toPhys(x0, identityPerm(x0.shape.length), base);
    const t = this.apply(tf.layers.flatten({ name: this.layerName(`${base}_flatten`) }), x.t);
    return { kind: 'sym', t, shape: [Number.NaN, product(x0.shape.slice(1))], phys: [0, 1] };
  }

  /** Any reshape that keeps the batch axis first; `rest` are the per-example dims in ONNX order. */
  reshapeTo(x0: SymValue, rest: number[], base: string): SymValue {
    if (rest.length === 1) return this.flatten(x0, base);
    if (sameDims(rest, x0.shape.slice(1))) return x0;
    const x = this.toPhys(x0, identityPerm(x0.shape.length), base);
    const t = this.apply(tf.layers.reshape({ targetShape: rest, name: this.layerName(`${base}_reshape`) }), x.t);
    return { kind: 'sym', t, shape: [Number.NaN, ...rest], phys: identityPerm(rest.length + 1) };
  }

  private reshape(node: OnnxNode): SymValue {
    const x = this.sym(node, 0);
    const target = Array.from(this.requireConstant(node, 1).data);
    const allowZero = attrInt(node, 'allowzero', 0) === 1;
    const perExample = product(x.shape.slice(1));
    const resolved = target.map((d, i) => (d === 0 && !allowZero ? (x.shape[i] as number) : d));
    const first = resolved[0] as number;
    const rest = resolved.slice(1);
    const isBatch =
      Number.isNaN(first) ||
      (this.staticBatch !== null && first === this.staticBatch) ||
      (first === -1 && rest.every((d) => d > 0) && product(rest) === perExample);
    if (!isBatch || rest.some((d) => Number.isNaN(d))) {
      throw unsupported(node, `Reshape to [${target}] that does not keep the batch axis first`);
    }
    const known = product(rest.filter((d) => d !== -1));
    const dims = rest.map((d) => (d === -1 ? perExample / known : d));
    if (product(dims) !== perExample || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new AntidoteError('SHAPE_MISMATCH', `Node "${node.name}": cannot reshape [${x.shape.slice(1)}] to [${rest}].`);
    }
    return this.reshapeTo(x, dims, node.name);
  }

  private transpose(node: OnnxNode): SymValue {
    const x = this.sym(node, 0);
    const rank = x.shape.length;
    const perm = attrInts(node, 'perm') ?? identityPerm(rank).reverse();
    if (perm[0] !== 0) throw unsupported(node, `Transpose [${perm}] that moves the batch axis`);
    const inverse: number[] = new Array(rank);
    perm.forEach((p, j) => {
      inverse[p] = j;
    });
    return {
      kind: 'sym',
      t: x.t,
      shape: perm.map((p) => x.shape[p] as number),
      phys: x.phys.map((axis) => inverse[axis] as number),
    };
  }

  private pad(node: OnnxNode): SymValue {
    const x0 = this.sym(node, 0);
    const pads = this.ints(node, 1, 'pads') ?? [];
    const rank = x0.shape.length;
    if (rank !== 4 || pads.length !== 8) throw unsupported(node, 'Pad of a non-image value');
    if (node.inputs[3]) throw unsupported(node, 'Pad with an axes input');
    const [n0, c0, t, l, n1, c1, b, r] = pads as [number, number, number, number, number, number, number, number];
    if (n0 || c0 || n1 || c1) throw unsupported(node, 'Pad of the batch or channel axis');
    if ([t, l, b, r].some((p) => p < 0)) throw unsupported(node, 'negative pads (cropping)');
    const mode = attrString(node, 'mode', 'constant');
    const valueInput = this.constant(node, 2);
    const value = valueInput ? (valueInput.data[0] as number) : attrFloat(node, 'value', 0);
    if (mode !== 'constant' && mode !== 'reflect') throw unsupported(node, `Pad mode "${mode}"`);
    const x = this.toPhys(x0, CHANNELS_LAST, node.name);
    const name = this.layerName(node.name);
    const layer =
      mode === 'constant' && value === 0
        ? tf.layers.zeroPadding2d({
            padding: [
              [t, b],
              [l, r],
            ],
            name,
          })
        : new OnnxPad2D({ pads: [t, b, l, r], mode, value, name });
    return this.symFrom(this.apply(layer, x.t), CHANNELS_LAST);
  }

  /**
   * Gemm and MatMul become a Dense layer, with a following bias Add and a final Softmax folded in:
   * the classifier head then is one Dense layer, where PT/CTI look for penultimate features.
   */
  private dense(node: OnnxNode): void {
    const x = this.sym(node, 0);
    if (x.shape.length !== 2) throw unsupported(node, `${node.opType} on a rank-${x.shape.length} value (flatten it first)`);
    const weight = this.requireConstant(node, 1);
    if (weight.shape.length !== 2) throw unsupported(node, 'weights that are not a matrix');
    const isGemm = node.opType === 'Gemm';
    if (isGemm && attrInt(node, 'transA', 0) !== 0) throw unsupported(node, 'Gemm with transA=1');
    const transB = isGemm && attrInt(node, 'transB', 0) === 1;
    const alpha = isGemm ? attrFloat(node, 'alpha', 1) : 1;
    let beta = isGemm ? attrFloat(node, 'beta', 1) : 1;
    const [k, m] = (transB ? [weight.shape[1], weight.shape[0]] : weight.shape) as [number, number];
    if (k !== x.shape[1])
      throw new AntidoteError('SHAPE_MISMATCH', `Node "${node.name}": ${k} weight rows for ${x.shape[1]} features.`);
    let bias = isGemm ? this.constant(node, 2) : undefined;
    let out = this.pastPassthrough(node.outputs[0] as string);
    if (!isGemm) {
      const next = this.soleConsumer(out);
      const other = next?.inputs.find((name) => name !== out);
      const addend = other ? this.values.get(other) : undefined;
      if (next?.opType === 'Add' && addend?.kind === 'const' && product(addend.shape) === m) {
        bias = addend;
        beta = 1;
        this.skipped.add(next);
        out = this.pastPassthrough(next.outputs[0] as string);
      }
    }
    if (bias && product(bias.shape) !== m && product(bias.shape) !== 1) {
      throw unsupported(node, `a bias of shape [${bias.shape}] for ${m} outputs`);
    }
    let activation: 'softmax' | undefined;
    const softmax = this.soleConsumer(out);
    if (softmax?.opType === 'Softmax') {
      const axis = attrInt(softmax, 'axis', this.onnx.opset >= 13 ? -1 : 1);
      if (axis === -1 || axis === 1) {
        activation = 'softmax';
        this.skipped.add(softmax);
        out = this.pastPassthrough(softmax.outputs[0] as string);
      }
    }
    const isHead = this.graphOutputs.has(out);
    const name = this.layerName(isHead ? LOGITS_LAYER : node.name);
    const layer = tf.layers.dense({ units: m, useBias: bias !== undefined, activation, name });
    const t = this.apply(layer, x.t);
    const weights = [
      tf.tidy(() => {
        const w = tf.tensor2d(Float32Array.from(weight.data), weight.shape as [number, number]);
        return tf.mul(transB ? tf.transpose(w) : w, alpha);
      }),
    ];
    if (bias) {
      const values = product(bias.shape) === 1 ? new Array(m).fill(bias.data[0]) : Array.from(bias.data);
      weights.push(tf.tidy(() => tf.mul(tf.tensor1d(values), beta)));
    }
    this.setWeights(layer, weights);
    this.bind({ layer: name, weight: 0, initializer: '', transform: 'dense-kernel', transB, alpha }, weight);
    if (bias && product(bias.shape) === m)
      this.bind({ layer: name, weight: 1, initializer: '', transform: 'dense-bias', beta }, bias);
    this.values.set(out, { kind: 'sym', t, shape: [Number.NaN, m], phys: [0, 1] });
  }
}

function constFromTensor(tensor: OnnxTensor, initializer?: string): ConstValue {
  return { kind: 'const', shape: tensor.dims, data: tensor.data, initializer };
}

function constantNode(node: OnnxNode): ConstValue {
  const value = node.attributes.get('value');
  if (value?.kind === 'tensor') return constFromTensor(value.value);
  for (const [attr, scalar] of [
    ['value_float', true],
    ['value_int', true],
    ['value_floats', false],
    ['value_ints', false],
  ] as const) {
    const a = node.attributes.get(attr);
    if (a && (a.kind === 'float' || a.kind === 'int')) return { kind: 'const', shape: [], data: [a.value] };
    if (a && (a.kind === 'floats' || a.kind === 'ints') && !scalar)
      return { kind: 'const', shape: [a.value.length], data: a.value };
  }
  throw unsupported(node, 'a Constant without a numeric value');
}

function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function unsqueezeShape(node: OnnxNode, shape: number[], converter: Converter): number[] {
  const axes = converter.ints(node, 1, 'axes') ?? [];
  const rank = shape.length + axes.length;
  const normalized = new Set(axes.map((a) => normalizeAxis(a, rank)));
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(normalized.has(i) ? 1 : (shape[next++] as number));
  return out;
}

function squeezeShape(node: OnnxNode, shape: number[], converter: Converter): number[] {
  const axes = converter.ints(node, 1, 'axes');
  const drop = new Set(axes ? axes.map((a) => normalizeAxis(a, shape.length)) : shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  return shape.filter((_, i) => !drop.has(i));
}

function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.kind === 'int' ? a.value : fallback;
}

function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.kind === 'float' ? a.value : a?.kind === 'int' ? a.value : fallback;
}

function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes.get(name);
  return a?.kind === 'ints' ? a.value : undefined;
}

function attrString(node: OnnxNode, name: string, fallback: string): string {
  const a = node.attributes.get(name);
  return a?.kind === 'string' ? a.value : fallback;
}
