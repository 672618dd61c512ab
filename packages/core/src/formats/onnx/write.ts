/**
 * Wire-level initializer replacement: copies an ONNX file byte for byte except the data of the
 * named float32 initializers, so names, opset, graph, metadata and any fields this package does not
 * model (training info, functions, value info) survive a repair unchanged.
 */
import { AntidoteError } from '../../errors.ts';
import { DATA_TYPE, FIELD } from './schema.ts';

interface WireField {
  field: number;
  wireType: number;
  /** Byte range of the whole field (tag included). */
  start: number;
  end: number;
  /** Byte range of a length-delimited payload. */
  payloadStart: number;
  payloadEnd: number;
  /** The value of a varint field. */
  varint: number;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 1;
  let p = pos;
  for (;;) {
    if (p >= buf.length) throw new AntidoteError('CORRUPT_FILE', 'The ONNX file ends inside a varint; it is truncated.');
    const byte = buf[p++] as number;
    result += (byte & 0x7f) * shift;
    if ((byte & 0x80) === 0) return [result, p];
    shift *= 128;
    if (shift > 2 ** 63) throw new AntidoteError('CORRUPT_FILE', 'The ONNX file has a malformed varint.');
  }
}

function readFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    let end: number;
    let payloadStart = afterTag;
    let varint = 0;
    if (wireType === 0) {
      [varint, end] = readVarint(buf, afterTag);
    } else if (wireType === 1) {
      end = afterTag + 8;
    } else if (wireType === 5) {
      end = afterTag + 4;
    } else if (wireType === 2) {
      const [length, afterLength] = readVarint(buf, afterTag);
      payloadStart = afterLength;
      end = afterLength + length;
    } else {
      throw new AntidoteError('CORRUPT_FILE', `The ONNX file uses protobuf wire type ${wireType}, which ONNX never writes.`);
    }
    if (end > buf.length) throw new AntidoteError('CORRUPT_FILE', 'The ONNX file is truncated inside a field.');
    fields.push({ field, wireType, start, end, payloadStart, payloadEnd: end, varint });
    pos = end;
  }
  return fields;
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function lengthDelimited(field: number, payload: Uint8Array[]): Uint8Array[] {
  const length = payload.reduce((n, p) => n + p.length, 0);
  return [Uint8Array.from([...varintBytes(field * 8 + 2), ...varintBytes(length)]), ...payload];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const DATA_FIELDS = new Set([4, 5, 6, 7, 9, 10, 11, FIELD.TENSOR_EXTERNAL_DATA, FIELD.TENSOR_DATA_LOCATION]);

/** The tensor's fields with new data, or null when the tensor is not being replaced. */
function rewriteTensor(buf: Uint8Array, replacements: ReadonlyMap<string, Float32Array>, done: Set<string>): Uint8Array[] | null {
  const fields = readFields(buf);
  const nameField = fields.find((f) => f.field === FIELD.TENSOR_NAME && f.wireType === 2);
  const name = nameField ? new TextDecoder().decode(buf.subarray(nameField.payloadStart, nameField.payloadEnd)) : '';
  const values = replacements.get(name);
  if (!values) return null;
  const dataType = fields.find((f) => f.field === FIELD.TENSOR_DATA_TYPE)?.varint ?? 0;
  if (dataType !== DATA_TYPE.FLOAT) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `Initializer "${name}" has ONNX data type ${dataType}; repaired weights are written back into float32 initializers only.`,
    );
  }
  let count = 1;
  for (const f of fields) {
    if (f.field !== FIELD.TENSOR_DIMS) continue;
    if (f.wireType === 0) count *= f.varint;
    else {
      for (let p = f.payloadStart; p < f.payloadEnd; ) {
        const [d, next] = readVarint(buf, p);
        count *= d;
        p = next;
      }
    }
  }
  if (count !== values.length) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Initializer "${name}" holds ${count} values; the repaired weight has ${values.length}.`,
    );
  }
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  done.add(name);
  const kept = fields.filter((f) => !DATA_FIELDS.has(f.field)).map((f) => buf.subarray(f.start, f.end));
  return [...kept, ...lengthDelimited(FIELD.TENSOR_RAW_DATA, [raw])];
}

/**
 * The model bytes with each named initializer's data replaced by float32 raw_data (external data
 * becomes inline). Every name must exist as a float32 initializer of the main graph.
 */
export function replaceInitializers(model: Uint8Array, replacements: ReadonlyMap<string, Float32Array>): Uint8Array {
  const done = new Set<string>();
  const parts: Uint8Array[] = [];
  for (const f of readFields(model)) {
    if (f.field !== FIELD.MODEL_GRAPH || f.wireType !== 2) {
      parts.push(model.subarray(f.start, f.end));
      continue;
    }
    const graph = model.subarray(f.payloadStart, f.payloadEnd);
    const graphParts: Uint8Array[] = [];
    for (const g of readFields(graph)) {
      if (g.field === FIELD.GRAPH_INITIALIZER && g.wireType === 2) {
        const rewritten = rewriteTensor(graph.subarray(g.payloadStart, g.payloadEnd), replacements, done);
        graphParts.push(...(rewritten ? lengthDelimited(FIELD.GRAPH_INITIALIZER, rewritten) : [graph.subarray(g.start, g.end)]));
      } else {
        graphParts.push(graph.subarray(g.start, g.end));
      }
    }
    parts.push(...lengthDelimited(FIELD.MODEL_GRAPH, graphParts));
  }
  const missing = [...replacements.keys()].filter((name) => !done.has(name));
  if (missing.length > 0) {
    throw new AntidoteError('NOT_FOUND', `The ONNX model has no initializers named ${missing.map((m) => `"${m}"`).join(', ')}.`);
  }
  return concat(parts);
}
