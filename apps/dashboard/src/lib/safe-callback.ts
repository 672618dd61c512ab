/**
 * Where sign-in may send the browser afterwards: a path of this site only. The URL parser
 * normalises `/.//evil.com` to `//evil.com`, which a browser reads as another host, so the
 * check runs on the normalised path, not on the text given.
 */
export function safeCallback(value: string | undefined | null): string {
  if (!value) return '/';
  try {
    const base = 'http://dashboard.local';
    const url = new URL(value, base);
    const path = url.pathname;
    if (url.origin !== base || path.startsWith('//') || path.includes('\\') || path.startsWith('/signin')) return '/';
    // resolve once more: what the browser will do with the result must land here too
    const again = new URL(`${path}${url.search}`, base);
    if (again.origin !== base) return '/';
    return `${path}${url.search}`;
  } catch {
    return '/';
  }
}
