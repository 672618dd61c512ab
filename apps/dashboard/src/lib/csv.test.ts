import { describe, expect, it } from 'vitest';
import { csvRow } from './csv';

describe('csvRow', () => {
  it('quotes separators and neutralises spreadsheet formulas', () => {
    expect(csvRow([1, 'a,b', 'say "hi"', '=cmd()', { k: 1 }, null])).toBe('1,"a,b","say ""hi""",\'=cmd(),"{""k"":1}",\r\n');
  });
});
