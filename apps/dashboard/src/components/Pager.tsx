import Link from 'next/link';
import { formatCount } from '@/lib/format';
import { encodeBack, type PageCursor } from '@/lib/search-params';

/**
 * Forward/back paging over a Relay connection. Relay gives only `after`, so the URL carries
 * the cursors of the earlier pages (`back`) to step back without refetching from the start.
 */
export function Pager({
  basePath,
  query,
  cursor,
  pageSize,
  shown,
  totalCount,
  endCursor,
  hasNextPage,
  label,
}: {
  basePath: string;
  /** Other search params to keep (filters). */
  query: Record<string, string | undefined>;
  cursor: PageCursor;
  pageSize: number;
  shown: number;
  totalCount: number;
  endCursor: string | null;
  hasNextPage: boolean;
  label: string;
}) {
  const href = (after: string | undefined, back: (string | undefined)[]) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
    if (after) params.set('cursor', after);
    if (back.length) params.set('back', encodeBack(back));
    const text = params.toString();
    return text ? `${basePath}?${text}` : basePath;
  };
  const start = cursor.back.length * pageSize + (shown ? 1 : 0);
  const end = cursor.back.length * pageSize + shown;
  const hasPrevious = cursor.after !== undefined;
  const previous = hasPrevious ? href(cursor.back.at(-1), cursor.back.slice(0, -1)) : null;
  const next = hasNextPage && endCursor ? href(endCursor, [...cursor.back, cursor.after]) : null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <span className="muted">
        {shown ? `${formatCount(start)}–${formatCount(end)} of ${formatCount(totalCount)}` : `0 of ${formatCount(totalCount)}`}
      </span>
      <span className="row">
        {previous ? (
          <Link className="button button-small" href={previous} rel="prev">
            ← Previous
          </Link>
        ) : (
          <span className="button button-small" aria-disabled="true">
            ← Previous
          </span>
        )}
        {next ? (
          <Link className="button button-small" href={next} rel="next">
            Next →
          </Link>
        ) : (
          <span className="button button-small" aria-disabled="true">
            Next →
          </span>
        )}
      </span>
    </nav>
  );
}
