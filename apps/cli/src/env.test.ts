import { describe, expect, it } from 'vitest';
import { chooseBackend, readEnv } from './env.ts';

describe('readEnv', () => {
  it('reads only the documented variables, trimming blanks to undefined', () => {
    expect(readEnv({})).toEqual({ backend: undefined, noColor: false, debug: false, initCwd: undefined });
    expect(
      readEnv({ ANTIDOTE_BACKEND: ' wasm ', NO_COLOR: '1', ANTIDOTE_DEBUG: 'true', INIT_CWD: '/repo', PATH: '/bin' }),
    ).toEqual({ backend: 'wasm', noColor: true, debug: true, initCwd: '/repo' });
    expect(readEnv({ ANTIDOTE_BACKEND: '', NO_COLOR: '', ANTIDOTE_DEBUG: '0' })).toEqual({
      backend: undefined,
      noColor: false,
      debug: false,
      initCwd: undefined,
    });
  });
});

describe('chooseBackend', () => {
  it('prefers --backend over ANTIDOTE_BACKEND, and neither means automatic', () => {
    expect(chooseBackend('cpu', { backend: 'wasm' })).toBe('cpu');
    expect(chooseBackend(undefined, { backend: 'wasm' })).toBe('wasm');
    expect(chooseBackend(undefined, { backend: undefined })).toBeUndefined();
  });

  it('ignores an invalid ANTIDOTE_BACKEND when --backend overrides it', () => {
    expect(chooseBackend('wasm', { backend: 'bogus' })).toBe('wasm');
  });

  it('rejects unknown names, naming the source and the choices', () => {
    expect(() => chooseBackend(undefined, { backend: 'gpu' })).toThrow(
      /ANTIDOTE_BACKEND must be one of tensorflow-gpu, tensorflow, wasm, cpu/,
    );
    expect(() => chooseBackend('metal', { backend: undefined })).toThrow(/--backend must be one of/);
  });
});
