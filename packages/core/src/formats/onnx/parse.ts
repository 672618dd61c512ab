/**
 * Reads an ONNX model into plain typed data: nodes in topological order, initializers as float or
 * integer arrays, graph inputs and outputs with their shapes. Uploaded files are untrusted, so
 * every structural problem (truncation, cycles, short tensors, escaping external data, absurd dims)
 * becomes an AntidoteError that says what to fix.
 */
import { AntidoteError } from '../../errors.ts';
import { ATTRIBUTE_TYPE, DATA_TYPE, ModelProto } from './schema.ts';

/** Refuse tensors above this many elements before allocating (~1 GB of float32). */
export const MAX_TENSOR_ELEMENTS = 256 * 1024 * 1024;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Float tensors as float32, integer and bool tensors as plain numbers (int64 beyond 2^53 loses precision). */
  data: Float32Array | number[];
}

export type OnnxAttribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: OnnxTensor }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'other'; type: number };

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** Static dims as numbers, symbolic or missing dims as null; null when the shape is unknown. */
  shape: (number | null)[] | null;
}

export interface OnnxModel {
  irVersion: number;
  /** Version of the default (ai.onnx) operator set. */
  opset: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  /** Graph inputs that are not initializers (the model's real inputs). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface ParseOnnxOptions {
  /** Other files of the same archive, keyed by path relative to the model, for external-data tensors. */
  externalFiles?: Readonly<Record<string, Uint8Array>>;
}

interface RawTensor {
  name?: string;
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  rawData?: Uint8Array;
  externalData?: { key?: string; value?: string }[];
  dataLocation?: number;
}

interface RawAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: RawTensor;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

interface RawValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}

interface RawModel {
  irVersion?: number;
  opsetImport?: { domain?: string; version?: number }[];
  producerName?: string;
  producerVersion?: string;
  graph?: {
    name?: string;
    node?: {
      name?: string;
      opType?: string;
      domain?: string;
      input?: string[];
      output?: string[];
      attribute?: RawAttribute[];
    }[];
    initializer?: RawTensor[];
    input?: RawValueInfo[];
    output?: RawValueInfo[];
  };
}

const utf8 = new TextDecoder('utf-8');

export function parseOnnx(bytes: Uint8Array, options: ParseOnnxOptions = {}): OnnxModel {
  let raw: RawModel;
  try {
    const message = ModelProto.decode(bytes);
    raw = ModelProto.toObject(message, { longs: Number, defaults: false, arrays: true }) as RawModel;
  } catch (cause) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `The ONNX file cannot be decoded (${(cause as Error).message}); it is truncated or not an ONNX model. Re-export it or upload the complete file.`,
      { cause },
    );
  }
  const graph = raw.graph;
  if (!graph || (graph.node ?? []).length === 0) {
    throw new AntidoteError('CORRUPT_FILE', 'The ONNX file has no graph nodes; it is not an ONNX model or it is empty.');
  }
  const opset = raw.opsetImport?.find((o) => o.domain === undefined || o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
  if (opset <= 0) {
    throw new AntidoteError('CORRUPT_FILE', 'The ONNX model imports no ai.onnx operator set; re-export it with an opset.');
  }
  const initializers = new Map<string, OnnxTensor>();
  for (const tensor of graph.initializer ?? []) {
    const parsed = readTensor(tensor, options.externalFiles);
    initializers.set(parsed.name, parsed);
  }
  const nodes = (graph.node ?? []).map((node, index) => ({
    name: node.name || `${node.opType ?? 'node'}_${index}`,
    opType: node.opType ?? '',
    domain: node.domain ?? '',
    inputs: node.input ?? [],
    outputs: node.output ?? [],
    attributes: new Map((node.attribute ?? []).map((a) => [a.name ?? '', readAttribute(a, options.externalFiles)])),
  }));
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(readValueInfo);
  const outputs = (graph.output ?? []).map(readValueInfo);
  return {
    irVersion: raw.irVersion ?? 0,
    opset,
    producerName: raw.producerName ?? '',
    producerVersion: raw.producerVersion ?? '',
    graphName: graph.name ?? '',
    nodes: sortTopologically(nodes, new Set([...initializers.keys(), ...inputs.map((i) => i.name)])),
    initializers,
    inputs,
    outputs,
  };
}

function readValueInfo(value: RawValueInfo): OnnxValueInfo {
  const tensorType = value.type?.tensorType;
  const dims = tensorType?.shape?.dim;
  return {
    name: value.name ?? '',
    elemType: tensorType?.elemType ?? 0,
    shape: dims ? dims.map((d) => (d.dimValue !== undefined && d.dimValue > 0 ? d.dimValue : null)) : null,
  };
}

function readAttribute(attr: RawAttribute, externalFiles: ParseOnnxOptions['externalFiles']): OnnxAttribute {
  switch (attr.type) {
    case ATTRIBUTE_TYPE.FLOAT:
      return { kind: 'float', value: attr.f ?? 0 };
    case ATTRIBUTE_TYPE.INT:
      return { kind: 'int', value: attr.i ?? 0 };
    case ATTRIBUTE_TYPE.STRING:
      return { kind: 'string', value: utf8.decode(attr.s ?? new Uint8Array()) };
    case ATTRIBUTE_TYPE.TENSOR:
      return { kind: 'tensor', value: readTensor(attr.t ?? {}, externalFiles) };
    case ATTRIBUTE_TYPE.FLOATS:
      return { kind: 'floats', value: attr.floats ?? [] };
    case ATTRIBUTE_TYPE.INTS:
      return { kind: 'ints', value: attr.ints ?? [] };
    case ATTRIBUTE_TYPE.STRINGS:
      return { kind: 'strings', value: (attr.strings ?? []).map((s) => utf8.decode(s)) };
    default:
      return { kind: 'other', type: attr.type ?? 0 };
  }
}

/** Bytes per element of the data types whose raw_data we decode. */
const ELEMENT_BYTES: Record<number, number> = {
  [DATA_TYPE.FLOAT]: 4,
  [DATA_TYPE.UINT8]: 1,
  [DATA_TYPE.INT8]: 1,
  [DATA_TYPE.INT32]: 4,
  [DATA_TYPE.INT64]: 8,
  [DATA_TYPE.BOOL]: 1,
  [DATA_TYPE.FLOAT16]: 2,
  [DATA_TYPE.DOUBLE]: 8,
};

function elementCount(name: string, dims: number[]): number {
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new AntidoteError('CORRUPT_FILE', `Tensor "${name}" has an invalid dimension ${d}; re-export the model.`);
    }
    count *= d;
    if (count > MAX_TENSOR_ELEMENTS) {
      throw new AntidoteError(
        'TOO_LARGE',
        `Tensor "${name}" has dims [${dims.join(', ')}], more than ${MAX_TENSOR_ELEMENTS} elements; Antidote refuses tensors that large.`,
      );
    }
  }
  return count;
}

function readTensor(tensor: RawTensor, externalFiles: ParseOnnxOptions['externalFiles']): OnnxTensor {
  const name = tensor.name ?? '';
  const dims = tensor.dims ?? [];
  const dataType = tensor.dataType ?? 0;
  const count = elementCount(name, dims);
  let rawData = tensor.rawData;
  if (tensor.dataLocation === 1 || (tensor.externalData?.length ?? 0) > 0) {
    rawData = readExternalData(name, tensor.externalData ?? [], externalFiles);
  }
  const size = ELEMENT_BYTES[dataType];
  if (size === undefined) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `Tensor "${name}" has ONNX data type ${dataType}; Antidote reads float32/16/64 and integer tensors. Export the model in float32.`,
    );
  }
  const isFloat = dataType === DATA_TYPE.FLOAT || dataType === DATA_TYPE.FLOAT16 || dataType === DATA_TYPE.DOUBLE;
  if (rawData && rawData.byteLength > 0) {
    if (rawData.byteLength < count * size) {
      throw new AntidoteError(
        'CORRUPT_FILE',
        `Tensor "${name}" declares dims [${dims.join(', ')}] (${count * size} bytes) but holds ${rawData.byteLength} bytes; the file is truncated or corrupt.`,
      );
    }
    const view = new DataView(rawData.buffer, rawData.byteOffset, count * size);
    if (isFloat) {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        out[i] =
          dataType === DATA_TYPE.FLOAT
            ? view.getFloat32(i * 4, true)
            : dataType === DATA_TYPE.DOUBLE
              ? view.getFloat64(i * 8, true)
              : halfToFloat(view.getUint16(i * 2, true));
      }
      return { name, dims, dataType, data: out };
    }
    const out: number[] = new Array(count);
    for (let i = 0; i < count; i++) {
      out[i] =
        dataType === DATA_TYPE.INT64
          ? Number(view.getBigInt64(i * 8, true))
          : dataType === DATA_TYPE.INT32
            ? view.getInt32(i * 4, true)
            : dataType === DATA_TYPE.INT8
              ? view.getInt8(i)
              : view.getUint8(i);
    }
    return { name, dims, dataType, data: out };
  }
  const typed =
    dataType === DATA_TYPE.FLOAT
      ? tensor.floatData
      : dataType === DATA_TYPE.DOUBLE
        ? tensor.doubleData
        : dataType === DATA_TYPE.INT64
          ? tensor.int64Data
          : tensor.int32Data;
  const values = typed ?? [];
  if (values.length < count) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `Tensor "${name}" declares dims [${dims.join(', ')}] (${count} values) but holds ${values.length}; the file is truncated or corrupt.`,
    );
  }
  if (dataType === DATA_TYPE.FLOAT16) {
    return { name, dims, dataType, data: Float32Array.from(values.slice(0, count), halfToFloat) };
  }
  return { name, dims, dataType, data: isFloat ? Float32Array.from(values.slice(0, count)) : values.slice(0, count) };
}

function readExternalData(
  name: string,
  entries: { key?: string; value?: string }[],
  externalFiles: ParseOnnxOptions['externalFiles'],
): Uint8Array {
  const field = (key: string) => entries.find((e) => e.key === key)?.value;
  const location = field('location') ?? '';
  const normalized = location.replace(/\\/g, '/');
  if (
    normalized === '' ||
    normalized.startsWith('/') ||
    /^[a-zA-Z]:/.test(normalized) ||
    normalized.split('/').some((part) => part === '..')
  ) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `Tensor "${name}" points its external data at "${location}", outside the archive; external data must be a relative path inside the same archive.`,
    );
  }
  const file = externalFiles?.[normalized.replace(/^\.\//, '')];
  if (!file) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `Tensor "${name}" keeps its data in "${location}", which is not in the upload; put the model and its external-data file in one archive.`,
    );
  }
  const offset = Number(field('offset') ?? 0);
  const length = field('length') === undefined ? file.byteLength - offset : Number(field('length'));
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > file.byteLength) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `Tensor "${name}" reads bytes ${offset}..${offset + length} of "${location}", which has ${file.byteLength}; the external-data file is truncated.`,
    );
  }
  return file.subarray(offset, offset + length);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Kahn's algorithm; nodes left over form a cycle or read a value nothing produces. */
function sortTopologically(nodes: OnnxNode[], available: Set<string>): OnnxNode[] {
  const producers = new Map<string, number>();
  nodes.forEach((node, index) => {
    for (const output of node.outputs) if (output) producers.set(output, index);
  });
  const missing = new Map<number, number>();
  const waiting = new Map<string, number[]>();
  const ready: number[] = [];
  nodes.forEach((node, index) => {
    let count = 0;
    for (const input of node.inputs) {
      if (!input || available.has(input)) continue;
      if (!producers.has(input)) {
        throw new AntidoteError(
          'CORRUPT_FILE',
          `Node "${node.name}" (${node.opType}) reads "${input}", which no node, input or initializer provides; the graph is incomplete.`,
        );
      }
      count++;
      waiting.set(input, [...(waiting.get(input) ?? []), index]);
    }
    missing.set(index, count);
    if (count === 0) ready.push(index);
  });
  const order: OnnxNode[] = [];
  while (ready.length > 0) {
    const index = ready.shift() as number;
    const node = nodes[index] as OnnxNode;
    order.push(node);
    for (const output of node.outputs) {
      for (const consumer of waiting.get(output) ?? []) {
        const left = (missing.get(consumer) ?? 0) - 1;
        missing.set(consumer, left);
        if (left === 0) ready.push(consumer);
      }
    }
  }
  if (order.length !== nodes.length) {
    const stuck = nodes.find((_, index) => (missing.get(index) ?? 0) > 0);
    throw new AntidoteError(
      'CORRUPT_FILE',
      `The ONNX graph has a cycle (node "${stuck?.name}" (${stuck?.opType}) depends on its own output); a model graph must be acyclic.`,
    );
  }
  return order;
}
