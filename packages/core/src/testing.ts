/**
 * @antidote/core/testing: the fixtures core's own tests use, for the other packages' tests (never
 * for production code): a synthetic 12x12 pattern task with a planted backdoor trained in seconds,
 * and builders of small dataset files.
 */

export { cifarRecord, idxBytes, jpegBytes, npyBytes, pngBytes, tarBytes, zipBytes } from './datasets/importers/test-fixtures.ts';
export {
  type BackdooredFixture,
  backdooredFixture,
  orderedPhases,
  PATCH,
  patternDataset,
  poison,
  rates,
  SIDE,
  stampTrigger,
  TARGET,
  triggeredCopies,
  warpedFixture,
  weightValues,
} from './defenses/baselines/test-fixtures.ts';
