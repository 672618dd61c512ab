/** Reading App Router search params (values may be repeated or missing). */
export type SearchParams = Record<string, string | string[] | undefined>;

export function param(params: SearchParams, key: string): string | undefined {
  const value = params[key];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** One of `allowed`, or undefined (ignores anything a user typed into the URL). */
export function enumParam<T extends string>(params: SearchParams, key: string, allowed: readonly T[]): T | undefined {
  const value = param(params, key);
  return allowed.find((a) => a === value);
}

/**
 * Relay paging state in the URL: `cursor` (the `after` of this page) and `back`, the stack of
 * the earlier pages' cursors ('~' = the first page; cursors are base64url, so '.' and '~' are free).
 */
export interface PageCursor {
  after: string | undefined;
  back: (string | undefined)[];
}

export function pageCursor(params: SearchParams): PageCursor {
  const after = param(params, 'cursor');
  const backText = param(params, 'back');
  const back = backText === undefined ? [] : backText.split('.').map((c) => (c === '~' || c === '' ? undefined : c));
  return { after, back };
}

export function encodeBack(back: (string | undefined)[]): string {
  return back.map((c) => c ?? '~').join('.');
}

/** A dynamic route segment as an API id (global ids are base64url; tolerate stray escapes). */
export function routeId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
