/**
 * Writes ONNX models from a small graph description: the encoder behind `exportTfjsToOnnx` and the
 * test models that exercise the importer in the shapes PyTorch and tf2onnx emit.
 */
import { ATTRIBUTE_TYPE, DATA_TYPE, ModelProto } from './schema.ts';

export type AttributeValue =
  | { i: number }
  | { f: number }
  | { ints: number[] }
  | { floats: number[] }
  | { s: string }
  | { t: TensorSpec };

export interface TensorSpec {
  dims: number[];
  /** Float32 values go to raw_data; int64 values (shapes, axes, indices) to raw_data as int64. */
  data: Float32Array | number[];
  dataType?: 'float' | 'int64';
}

export interface BuildOptions {
  opset?: number;
  irVersion?: number;
  producerName?: string;
  graphName?: string;
  metadata?: Record<string, string>;
}

/** Builds one ONNX graph; node and tensor names must be unique, as in any ONNX file. */
export class OnnxGraphBuilder {
  private readonly nodes: object[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private counter = 0;

  /** Declares a float graph input; string dims are symbolic (e.g. 'batch'). */
  input(name: string, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: (number | string)[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  initializer(name: string, tensor: TensorSpec): string {
    this.initializers.push(encodeTensor(name, tensor));
    return name;
  }

  /** Adds a node and returns its first output name (generated unless given). */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs?: string[]): string {
    const id = this.counter++;
    const outs = outputs ?? [`${opType.toLowerCase()}_${id}`];
    this.nodes.push({
      name: `${opType}_${id}`,
      opType,
      input: inputs,
      output: outs,
      attribute: Object.entries(attributes).map(([name, value]) => encodeAttribute(name, value)),
    });
    return outs[0] as string;
  }

  /** A fresh unique name for an initializer or value. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  build(options: BuildOptions = {}): Uint8Array {
    const message = ModelProto.fromObject({
      irVersion: options.irVersion ?? 8,
      producerName: options.producerName ?? 'antidote',
      opsetImport: [{ domain: '', version: options.opset ?? 17 }],
      graph: {
        name: options.graphName ?? 'main',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return ModelProto.encode(message).finish();
  }
}

function valueInfo(name: string, dims: (number | string)[]): object {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Little-endian raw bytes of float32 or int64 values. */
export function tensorBytes(data: Float32Array | number[], dataType: 'float' | 'int64'): Uint8Array {
  if (dataType === 'float') {
    const floats = data instanceof Float32Array ? data : Float32Array.from(data);
    const out = new Uint8Array(floats.length * 4);
    const view = new DataView(out.buffer);
    floats.forEach((v, i) => {
      view.setFloat32(i * 4, v, true);
    });
    return out;
  }
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  Array.from(data).forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
  });
  return out;
}

function encodeTensor(name: string, tensor: TensorSpec): object {
  const dataType = tensor.dataType ?? (tensor.data instanceof Float32Array ? 'float' : 'int64');
  return {
    name,
    dims: tensor.dims,
    dataType: dataType === 'float' ? DATA_TYPE.FLOAT : DATA_TYPE.INT64,
    rawData: tensorBytes(tensor.data, dataType),
  };
}

function encodeAttribute(name: string, value: AttributeValue): object {
  if ('i' in value) return { name, type: ATTRIBUTE_TYPE.INT, i: value.i };
  if ('f' in value) return { name, type: ATTRIBUTE_TYPE.FLOAT, f: value.f };
  if ('ints' in value) return { name, type: ATTRIBUTE_TYPE.INTS, ints: value.ints };
  if ('floats' in value) return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: value.floats };
  if ('s' in value) return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value.s) };
  return { name, type: ATTRIBUTE_TYPE.TENSOR, t: encodeTensor('', value.t) };
}
