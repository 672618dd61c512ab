#!/usr/bin/env node
/**
 * Bundles the gateway, the worker and the CLI to JavaScript (esbuild, ESM, source maps) so that
 * production runs plain `node --enable-source-maps apps/<app>/dist/main.mjs` with no TypeScript
 * compiler at run time. Our workspace packages are bundled in; everything from node_modules stays
 * external (native and wasm TensorFlow backends locate their files at run time).
 *
 * Sources that locate files next to themselves (`new URL('../migrations', import.meta.url)`) keep
 * doing so: their `import.meta.url` is rewritten to their own source path relative to the bundle,
 * so the bundle must run from a checkout (or image) that holds the repository's files, as ours do.
 * The worker thread is the exception: the runner finds `entry.mjs` next to the bundle, and the
 * thread is bundled to exactly that file, and so is core's compute thread (`pool-thread.mjs`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Resolved next to the bundle, not next to the source (see above). */
const bundleRelative = new Set([
  path.join(root, 'apps/worker/src/thread/runner.ts'),
  path.join(root, 'packages/core/src/parallel/pool.ts'),
]);

/** @type {import('esbuild').Plugin} */
const workspaceOnly = {
  name: 'workspace-only',
  setup(build) {
    // Bare imports other than our own packages come from node_modules at run time.
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@antidote/') || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
    build.onLoad({ filter: /\.(ts|mts|mjs)$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      let contents = await readFile(args.path, 'utf8');
      if (!bundleRelative.has(args.path) && contents.includes('import.meta.url')) {
        const outdir = build.initialOptions.outdir ?? path.dirname(build.initialOptions.outfile ?? '');
        const relative = path.relative(outdir, args.path).split(path.sep).join('/');
        contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`);
      }
      return { contents, loader: args.path.endsWith('.mjs') ? 'js' : 'ts' };
    });
  },
};

const apps = [
  { app: 'gateway', entries: { main: 'apps/gateway/src/main.ts', migrate: 'apps/gateway/src/migrate.ts' } },
  {
    app: 'worker',
    entries: {
      main: 'apps/worker/src/main.ts',
      entry: 'apps/worker/src/thread/thread.ts',
      'pool-thread': 'packages/core/src/parallel/thread.ts',
    },
  },
  // The CLI's `serve` runs a worker in-process, so it needs the thread bundle too.
  {
    app: 'cli',
    entries: {
      main: 'apps/cli/src/main.ts',
      entry: 'apps/worker/src/thread/thread.ts',
      'pool-thread': 'packages/core/src/parallel/thread.ts',
    },
  },
];

// `build-apps.mjs gateway worker` builds those; no argument builds all three.
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !apps.some((a) => a.app === name));
if (unknown.length > 0) throw new Error(`unknown app ${unknown.join(', ')}; choose from ${apps.map((a) => a.app).join(', ')}`);
const selected = wanted.length === 0 ? apps : apps.filter((a) => wanted.includes(a.app));

const started = Date.now();
for (const { app, entries } of selected) {
  const outdir = path.join(root, 'apps', app, 'dist');
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.entries(entries).map(([out, src]) => ({ out, in: src })),
    outdir,
    // .mjs: the apps' package.json files say type module, but dist may be copied alone.
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [workspaceOnly],
    // Bundled CommonJS code that calls require() needs one in ESM output.
    banner: {
      js: "import { createRequire as __antidoteCreateRequire } from 'node:module'; const require = __antidoteCreateRequire(import.meta.url);",
    },
  });
}
console.log(`built ${selected.map((a) => a.app).join(', ')} into apps/*/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
