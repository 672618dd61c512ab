/**
 * The gateway and the job catalog validate uploads and job names without TensorFlow (it costs
 * the gateway most of a second and hundreds of MB). Each entry point is imported in a fresh
 * process, which then lists every loaded module whose path names @tensorflow.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Runs in the child: CommonJS modules land in require.cache; ESM imports are seen by a resolve hook.
const probe = `
import { createRequire, register } from 'node:module';
const seen = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => seen.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(\`
  let port;
  export function initialize(data) { port = data.port; }
  export async function resolve(specifier, context, next) {
    const result = await next(specifier, context);
    if (result.url.includes('@tensorflow')) port.postMessage(result.url);
    return result;
  }\`), { data: { port: port2 }, transferList: [port2] });
await import(process.argv[1]);
await new Promise((resolve) => setTimeout(resolve, 50));
const cjs = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@tensorflow'));
console.log(JSON.stringify([...new Set([...cjs, ...seen])]));
`;

async function tensorflowModulesLoadedBy(entry: string): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', probe, path.join(root, entry)],
    { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('TensorFlow stays out of the API side', () => {
  it.each([
    'apps/gateway/src/index.ts',
    'packages/jobs/src/index.ts',
    'packages/core/src/formats/index.ts',
    'packages/core/src/formats/onnx/index.ts',
    'packages/core/src/formats/keras/index.ts',
    'packages/core/src/formats/preprocessing.ts',
  ])(
    'importing %s loads no @tensorflow module',
    async (entry) => {
      expect(await tensorflowModulesLoadedBy(entry)).toEqual([]);
    },
    60_000,
  );

  it('the probe sees TensorFlow when an entry does load it', async () => {
    const loaded = await tensorflowModulesLoadedBy('packages/core/src/models/index.ts');
    expect(loaded.some((m) => m.includes('@tensorflow/tfjs'))).toBe(true);
  }, 60_000);
});
