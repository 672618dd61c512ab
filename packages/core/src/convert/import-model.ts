/**
 * Brings a customer's model into Antidote: detects the format, converts it to a tfjs LayersModel
 * that takes Antidote's [0,1] RGB NHWC pixels (through the model's own preprocessing when given).
 */

import { AntidoteError } from '../errors.ts';
import { parseOnnx } from '../formats/onnx/parse.ts';
import type { InputNormalizationConfig } from './layers.ts';
import { type ConvertedOnnx, convertOnnx, type InputLayout } from './onnx-to-tfjs.ts';

export interface ImportModelOptions {
  /** Other files of the upload, for ONNX external-data tensors. */
  externalFiles?: Readonly<Record<string, Uint8Array>>;
  /** The ONNX input layout; guessed from the channel axis when omitted. */
  layout?: InputLayout;
  /** The model's preprocessing, applied by a first InputNormalization layer. */
  normalization?: InputNormalizationConfig;
}

export interface ImportedModel extends ConvertedOnnx {
  format: 'onnx';
  opset: number;
  producer: string;
}

/** Whether the bytes look like an ONNX ModelProto (field 1 ir_version varint first, as every exporter writes). */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[0] === 0x08 && (bytes[1] as number) < 0x20;
}

export async function importModel(bytes: Uint8Array, options: ImportModelOptions = {}): Promise<ImportedModel> {
  if (!looksLikeOnnx(bytes)) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      'The file is not an ONNX model. Export the model with torch.onnx.export, tf2onnx or jax2onnx and upload the .onnx file.',
    );
  }
  const onnx = parseOnnx(bytes, { externalFiles: options.externalFiles });
  const converted = convertOnnx(onnx, { layout: options.layout, normalization: options.normalization });
  return {
    ...converted,
    format: 'onnx',
    opset: onnx.opset,
    producer: [onnx.producerName, onnx.producerVersion].filter(Boolean).join(' '),
  };
}
