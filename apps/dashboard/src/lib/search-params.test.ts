import { describe, expect, it } from 'vitest';
import { encodeBack, enumParam, pageCursor } from './search-params';

describe('paging cursors in the URL', () => {
  it('round-trips the stack of earlier pages, the first page included', () => {
    const back = [undefined, 'WyIyMDI1Il0', 'WyIyMDI2Il0'];
    const cursor = pageCursor({ cursor: 'abc', back: encodeBack(back) });
    expect(cursor).toEqual({ after: 'abc', back });
  });

  it('starts on the first page without params', () => {
    expect(pageCursor({})).toEqual({ after: undefined, back: [] });
  });

  it('accepts only known enum values', () => {
    expect(enumParam({ state: 'RUNNING' }, 'state', ['RUNNING', 'FAILED'])).toBe('RUNNING');
    expect(enumParam({ state: 'DROP TABLE' }, 'state', ['RUNNING', 'FAILED'])).toBeUndefined();
  });
});
