/**
 * @antidote/core/formats: reading what users upload without TensorFlow (archives, model.json
 * manifests and topologies, dataset file detection) and the names of what core implements. The
 * gateway and the job catalog import only this entry (plus errors and datasets), so they never
 * load TensorFlow; a lint rule and test/boundaries enforce it.
 */
export {
  type DatasetFormat,
  type DetectedFormat,
  detectDatasetFormat,
  SUPPORTED_FORMATS_TEXT,
} from '../datasets/importers/detect.ts';
export {
  describeModelArchive,
  describeModelFiles,
  MAX_MODEL_ARCHIVE_BYTES,
  MAX_MODEL_ARCHIVE_ENTRIES,
  MAX_MODEL_JSON_BYTES,
  type ModelArchiveDescription,
  type ModelArchiveLimits,
  packModelArchive,
  unpackModelArchive,
} from './model-archive.ts';
export { MAX_MODEL_BYTES, MODEL_JSON, type ModelFiles } from './model-files.ts';
export { classifyModelUpload, type ModelUpload, type ModelUploadKind, replaceUploadModel } from './model-upload.ts';
export {
  ATTACK_NAMES,
  type AttackName,
  CLEAN_LABEL_ATTACKS,
  DETECTORS,
  type DetectorName,
  LAB_ATTACK_NAMES,
  type LabAttackName,
  REPAIR_DEFENSES,
  type RepairDefenseName,
  TRIGGER_FAMILIES,
  type TriggerFamily,
} from './names.ts';
