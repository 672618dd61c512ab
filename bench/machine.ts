/**
 * What the benchmarks share about the machine: a probe of `engine-probe.ts` in its own process
 * (one JSON row, or null when the backend cannot load) and the CPU's description and FMA peak.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export type Row = Record<string, unknown> & { backend: string; variant?: string; model?: string };

export function probe(args: string[]): Row | null {
  const label = args.join(' ');
  process.stderr.write(`  probing ${label} ...`);
  const started = Date.now();
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'engine-probe.ts'), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = out.trim().split('\n').pop() ?? '';
    process.stderr.write(` ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    return JSON.parse(line) as Row;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const message =
      /No TensorFlow\.js backend could be loaded: (.*)/.exec(stderr)?.[1] ??
      stderr.split('\n').find((l) => /Error/.test(l)) ??
      String(error);
    process.stderr.write(` unavailable (${message.slice(0, 160)})\n`);
    return null;
  }
}

export function cpuInfo() {
  let flags = '';
  let mhz = 0;
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    flags = /^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '';
    mhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(text)?.[1] ?? 0);
  } catch {
    // Not Linux: the FMA peak stays unknown.
  }
  const ghz = mhz ? mhz / 1000 : (os.cpus()[0]?.speed ?? 0) / 1000;
  const has = (f: string) => flags.split(' ').includes(f);
  // Two FMA pipes per core; one FMA = 2 FLOP per lane. AVX2 has 8 float lanes, wasm SIMD 4.
  const nativeLanes = has('avx512f') ? 16 : has('avx2') ? 8 : 4;
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    ghz: Number(ghz.toFixed(3)),
    fmaPeakGflopsPerCore: Number((ghz * 2 * 2 * nativeLanes).toFixed(1)),
    wasmSimdPeakGflopsPerCore: Number((ghz * 2 * 2 * 4).toFixed(1)),
  };
}
