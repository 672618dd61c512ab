import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Four projects (DEVELOPMENT.md): `unit` (and `unit-isolated`) is the inner loop (no database, no model training, well
 * under a minute); `training` trains models (core's defenses, the worker's tasks, the quick
 * efficacy benchmark); `integration` needs Postgres/PGlite and runs the apps together; `browser`
 * drives the dashboard in chromium. `npm test` runs all four.
 */
const trainingTests = [
  'packages/core/src/defenses/checkpoint.test.ts',
  'packages/core/src/defenses/head-probe.test.ts',
  'packages/core/src/defenses/pivotal-tuning.test.ts',
  'packages/core/src/defenses/parallel.test.ts',
  'packages/core/src/defenses/slol.test.ts',
  'packages/core/src/defenses/trigger-inversion/**/*.test.ts',
  'packages/core/src/defenses/baselines/fine-pruning.test.ts',
  'packages/core/src/defenses/baselines/fine-tuning.test.ts',
  'packages/core/src/defenses/baselines/nad.test.ts',
  'packages/core/src/defenses/baselines/strip.test.ts',
  'packages/core/src/defenses/baselines/neural-cleanse.test.ts',
  'packages/core/src/lab/**/*.test.ts',
  // Imports, exports and fidelity checks of real-size models (ResNets) in ONNX Runtime.
  'packages/core/src/convert/**/*.test.ts',
  'packages/core/src/training/**/*.test.ts',
  'apps/worker/src/tasks/**/*.test.ts',
  'test/bench/**/*.test.ts',
];
const integrationTests = [
  'packages/db/src/**/*.test.ts',
  'packages/jobs/src/**/*.test.ts',
  'apps/gateway/src/gateway.test.ts',
  'apps/gateway/src/context.test.ts',
  'apps/gateway/src/oidc.test.ts',
  'test/api/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/platform/**/*.test.ts',
  'test/build/**/*.test.ts',
  'test/security/**/*.test.ts',
];
const browserTests = ['test/browser/**/*.test.ts'];
// Unit tests that change process-wide state (the tfjs backend) get a process of their own.
const ownProcess = ['packages/core/src/runtime/backend.test.ts', 'packages/core/src/parallel/pool.test.ts'];

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds. Node loads the CJS one for every
    // package outside vite's transform (Apollo, graphql-ws, graphql-tools); our sources must
    // get the same copy, or instanceof checks on schemas and GraphQLErrors fail across the two.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Training tests are CPU-bound and wasm is single-threaded: one fork per core.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...trainingTests, ...integrationTests, ...browserTests, ...ownProcess, '**/node_modules/**'],
          // One module cache per worker: importing tfjs once instead of once per file is most of the win.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'unit-isolated', include: ownProcess } },
      // A fixture victim trains in beforeAll; on a loaded CI machine that alone can pass two minutes.
      { extends: true, test: { name: 'training', include: trainingTests, hookTimeout: 300_000 } },
      { extends: true, test: { name: 'integration', include: integrationTests } },
      { extends: true, test: { name: 'browser', include: browserTests } },
    ],
  },
});
