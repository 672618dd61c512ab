import { describe, expect, it } from 'vitest';
import { checked, fromUserErrors, numberField } from './forms';

describe('fromUserErrors', () => {
  it('puts errors next to the fields they name, renaming API fields to form fields', () => {
    const result = fromUserErrors(
      [
        { code: 'CORRUPT_FILE', message: 'Not a zip.', field: ['input', 'uploadId'] },
        { code: 'INVALID_INPUT', message: 'Bad URL.', field: ['input', 'webhooks', '0', 'url'] },
        { code: 'CONFLICT', message: 'Name taken.', field: ['input', 'name'] },
      ],
      ['file', 'webhooks.0.url'],
      { uploadId: 'file' },
    );
    expect(result.fieldErrors).toEqual({ file: 'Not a zip.', 'webhooks.0.url': 'Bad URL.' });
    // a field the form does not show becomes the form-level message, never lost
    expect(result.message).toBe('Name taken.');
  });

  it('keeps errors without a field as the form message', () => {
    const result = fromUserErrors([{ code: 'FORBIDDEN', message: 'Needs analyst.', field: null }], ['name']);
    expect(result).toEqual({ ok: false, message: 'Needs analyst.', fieldErrors: {} });
  });
});

describe('form fields', () => {
  it('reads numbers and checkboxes', () => {
    const data = new FormData();
    data.set('a', ' 2.5 ');
    data.set('b', 'x');
    data.set('c', 'on');
    expect(numberField(data, 'a')).toBe(2.5);
    expect(numberField(data, 'b')).toBeNaN();
    expect(numberField(data, 'missing')).toBeUndefined();
    expect(checked(data, 'c')).toBe(true);
    expect(checked(data, 'missing')).toBe(false);
  });
});
