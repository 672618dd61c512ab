/**
 * Bringing a customer's model in and back out. `runImport` converts an ONNX or Keras upload to a
 * TF.js archive every other task reads unchanged, with its resolved preprocessing and (ONNX) the
 * fidelity check against ONNX Runtime on the trusted images. `runExport` writes a repaired model
 * back into the customer's own file (same graph, new weights) and checks the written file.
 */
import { checkFidelity, exportRepaired, type FidelityReport, importModel } from '@antidote/core/convert';
import { type ImageDataset, importDataset } from '@antidote/core/datasets';
import { throwIfAborted } from '@antidote/core/errors';
import { classifyModelUpload, describeModelFiles, type ModelUpload, replaceUploadModel } from '@antidote/core/formats';
import {
  fitDatasetToInput,
  type Preprocessing,
  parseAntidoteJson,
  parseHuggingFacePreprocessor,
} from '@antidote/core/formats/preprocessing';
import { packModelArchive, saveModelToFiles } from '@antidote/core/models';
import {
  callerCallback,
  ensureRuntime,
  invalid,
  loadModelArchive,
  type ProgressCallback,
  type TrustedInput,
  toTaskError,
} from './common.ts';

/** Most trusted images the fidelity check runs (the 256). */
const FIDELITY_INPUTS = 256;

export interface ModelFidelity extends FidelityReport {
  /** What the inputs were: the trusted images, or seeded noise when they do not fit the model. */
  inputs: 'trusted' | 'noise';
}

export interface ImportTaskInput {
  model: Uint8Array;
  /** Preprocessing stated at upload (antidote.json's fields); overrides the upload's sidecars. */
  declared?: Record<string, unknown>;
  trusted?: TrustedInput;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface ImportTaskResult {
  /** The converted model as a TF.js layers archive. */
  archive: Uint8Array;
  format: string;
  preprocessing: Preprocessing;
  defaulted: string[];
  /** Null for Keras: no Keras runtime here to compare against (the converter is tested against the layer math). */
  fidelity: ModelFidelity | null;
}

/** Declared preprocessing: stated at upload, else antidote.json, else a Hugging Face sidecar. */
function declaredPreprocessing(upload: ModelUpload, stated?: Record<string, unknown>): Partial<Preprocessing> {
  return {
    ...(upload.huggingFacePreprocessor ? parseHuggingFacePreprocessor(upload.huggingFacePreprocessor) : {}),
    ...(upload.antidoteJson ? parseAntidoteJson(upload.antidoteJson) : {}),
    ...(stated ? parseAntidoteJson(JSON.stringify(stated)) : {}),
  };
}

/** The trusted images as the model's inputs (pixels / 255, NHWC), or undefined when they do not fit. */
async function fidelityInputs(trusted: TrustedInput | undefined, p: Preprocessing): Promise<Float32Array | undefined> {
  if (!trusted) return undefined;
  const files = trusted instanceof Uint8Array ? [{ name: 'the trusted dataset', bytes: trusted }] : [...trusted];
  let dataset: ImageDataset;
  try {
    dataset = fitDatasetToInput(await importDataset(files, { channels: p.channels === 1 ? 1 : 3 }), p);
  } catch {
    return undefined;
  }
  const n = Math.min(FIDELITY_INPUTS, dataset.labels.length);
  const pixels = dataset.images.subarray(0, n * p.height * p.width * p.channels);
  return Float32Array.from(pixels, (v) => v / 255);
}

export async function runImport(input: ImportTaskInput): Promise<ImportTaskResult> {
  const onProgress = callerCallback(input.onProgress);
  try {
    await ensureRuntime();
    if (!(input.model instanceof Uint8Array)) throw invalid('The model must be given as bytes.');
    const upload = classifyModelUpload(input.model);
    if (upload.kind === 'tfjs-layers') throw invalid('This model is a TF.js archive already; nothing to import.');
    await onProgress?.({ phase: 'importing', progress: 0, message: `converting the ${upload.kind} model` });
    const imported = await importModel(upload.model, {
      externalFiles: upload.externalFiles,
      preprocessing: declaredPreprocessing(upload, input.declared),
    });
    try {
      throwIfAborted(input.signal);
      let fidelity: ModelFidelity | null = null;
      if (imported.format === 'onnx') {
        await onProgress?.({ phase: 'importing', progress: 0.3, message: 'checking the conversion against ONNX Runtime' });
        const inputs = await fidelityInputs(input.trusted, imported.preprocessing);
        const report = await checkFidelity(upload.model, imported.model, {
          ...(inputs ? { inputs } : { count: FIDELITY_INPUTS, seed: 0 }),
          layout: imported.preprocessing.layout,
        });
        fidelity = { ...report, inputs: inputs ? 'trusted' : 'noise' };
      }
      const files = await saveModelToFiles(imported.model);
      describeModelFiles(files);
      await onProgress?.({ phase: 'importing', progress: 1 });
      return {
        archive: packModelArchive(files),
        format: imported.format,
        preprocessing: imported.preprocessing,
        defaulted: imported.defaulted,
        fidelity,
      };
    } finally {
      imported.model.dispose();
    }
  } catch (error) {
    throw toTaskError(error, input.signal);
  }
}

export interface ExportTaskInput {
  /** The version's original upload (ONNX or Keras file, or a zip holding one). */
  original: Uint8Array;
  /** The repaired model as a TF.js archive. */
  repaired: Uint8Array;
  layout?: 'NCHW' | 'NHWC';
  trusted?: TrustedInput;
  preprocessing?: Preprocessing;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface ExportTaskResult {
  /** The repaired model in the upload's own form (a zip again when the upload was one). */
  bytes: Uint8Array;
  /** ONNX Runtime on the written file vs the repaired TF.js model (ONNX only). */
  fidelity: ModelFidelity | null;
  replaced: number;
}

export async function runExport(input: ExportTaskInput): Promise<ExportTaskResult> {
  try {
    await ensureRuntime();
    const upload = classifyModelUpload(input.original);
    if (upload.kind === 'tfjs-layers') throw invalid('The original is a TF.js archive; it needs no export.');
    const { model } = await loadModelArchive(input.repaired);
    try {
      const inputs = input.preprocessing ? await fidelityInputs(input.trusted, input.preprocessing) : undefined;
      const exported = await exportRepaired(upload.model, model, {
        externalFiles: upload.externalFiles,
        ...(input.layout ? { layout: input.layout } : {}),
        ...(inputs ? { inputs } : { count: FIDELITY_INPUTS, seed: 0 }),
      });
      return {
        // same archive when the upload was one: sidecars and other files kept
        bytes: replaceUploadModel(input.original, upload, exported.bytes),
        fidelity: exported.fidelity ? { ...exported.fidelity, inputs: inputs ? 'trusted' : 'noise' } : null,
        replaced: exported.replaced.length,
      };
    } finally {
      model.dispose();
    }
  } catch (error) {
    throw toTaskError(error, input.signal);
  }
}
