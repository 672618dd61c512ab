/**
 * Brings a customer's model into Antidote: detects the format, converts it to a tfjs LayersModel
 * that takes Antidote's [0,1] RGB NHWC pixels (through the model's own preprocessing when given).
 */

import { AntidoteError } from '../errors.ts';
import { type KerasFormat, looksLikeHdf5, looksLikeZip, readKerasFile } from '../formats/keras/read.ts';
import { parseOnnx } from '../formats/onnx/parse.ts';
import { type Preprocessing, resolvePreprocessing, toInputNormalization } from '../formats/preprocessing.ts';
import { type ConvertedKeras, convertKeras, kerasInputShape } from './keras-to-tfjs.ts';
import { type ConvertedOnnx, convertOnnx, onnxInputGeometry } from './onnx-to-tfjs.ts';

export interface ImportModelOptions {
  /** Other files of the upload, for ONNX external-data tensors. */
  externalFiles?: Readonly<Record<string, Uint8Array>>;
  /**
   * The model's declared preprocessing (upload fields, antidote.json, a Hugging Face sidecar);
   * undeclared fields take explicit defaults, listed in the result. A first InputNormalization
   * layer applies it, so the imported model takes Antidote's pixels / 255 in RGB NHWC.
   */
  preprocessing?: Partial<Preprocessing>;
}

interface ImportedCommon {
  preprocessing: Preprocessing;
  /** Preprocessing fields that took defaults because nothing declared them. */
  defaulted: (keyof Preprocessing)[];
}

export interface ImportedOnnxModel extends ConvertedOnnx, ImportedCommon {
  format: 'onnx';
  opset: number;
  producer: string;
}

export interface ImportedKerasModel extends ConvertedKeras, ImportedCommon {
  format: KerasFormat;
}

export type ImportedModel = ImportedOnnxModel | ImportedKerasModel;

/** Whether the bytes look like an ONNX ModelProto (field 1 ir_version varint first, as every exporter writes). */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[0] === 0x08 && (bytes[1] as number) < 0x20;
}

/** Imports an ONNX model, a Keras 3 `.keras` archive or a legacy Keras `.h5` full-model file. */
async function importKeras(bytes: Uint8Array, options: ImportModelOptions): Promise<ImportedKerasModel> {
  const file = await readKerasFile(bytes);
  const [height, width, channels] = kerasInputShape(file);
  const geometry = { layout: 'NHWC' as const, height, width, channels };
  const { preprocessing, defaulted } = resolvePreprocessing(geometry, options.preprocessing ?? {});
  const converted = convertKeras(file, { normalization: toInputNormalization(preprocessing) });
  return { ...converted, format: file.format, preprocessing, defaulted };
}

export async function importModel(bytes: Uint8Array, options: ImportModelOptions = {}): Promise<ImportedModel> {
  if (looksLikeZip(bytes) || looksLikeHdf5(bytes)) return importKeras(bytes, options);
  if (!looksLikeOnnx(bytes)) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      'The file is not an ONNX model or a Keras .keras/.h5 file. Export the model with torch.onnx.export, tf2onnx or jax2onnx and upload the .onnx file.',
    );
  }
  const onnx = parseOnnx(bytes, { externalFiles: options.externalFiles });
  const declared = options.preprocessing ?? {};
  const geometry = onnxInputGeometry(onnx, declared.layout);
  const { preprocessing, defaulted } = resolvePreprocessing(geometry, declared);
  const converted = convertOnnx(onnx, { layout: geometry.layout, normalization: toInputNormalization(preprocessing) });
  return {
    ...converted,
    preprocessing,
    defaulted,
    format: 'onnx',
    opset: onnx.opset,
    producer: [onnx.producerName, onnx.producerVersion].filter(Boolean).join(' '),
  };
}
