/**
 * Every relative link in the README, DEVELOPMENT.md and docs/ must resolve: the file exists, and
 * a #fragment names a heading of the target (GitHub's anchor rules). Source comments that point
 * into docs/ (`docs/method.md#held-out-noise`) are held to the same rule.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && existsSync(path.join(root, f)));
const docs = tracked.filter((f) =>
  /^(README|DEVELOPMENT)\.md$|^docs\/.*\.md$|^(apps|packages|infra|bench)\/[^/]+\/README\.md$|^infra\/README\.md$/.test(f),
);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!heading) continue;
    const slug = heading[1]!
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

function links(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

function brokenTarget(fromFile: string, link: string): string | null {
  if (/^[a-z]+:/i.test(link)) return null; // http(s), mailto: not checked offline
  const [target = '', fragment] = link.split('#');
  const file = target === '' ? path.join(root, fromFile) : path.resolve(path.dirname(path.join(root, fromFile)), target);
  if (!file.startsWith(root)) return 'points outside the repository';
  if (!existsSync(file)) return 'no such file';
  if (fragment !== undefined && statSync(file).isFile() && file.endsWith('.md')) {
    if (!anchors(readFileSync(file, 'utf8')).has(fragment)) return `no heading #${fragment}`;
  }
  return null;
}

describe('documentation links', () => {
  it('finds the documents', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'DEVELOPMENT.md', 'docs/method.md', 'docs/benchmarks.md']));
  });

  it.each(docs)('every relative link in %s resolves', (file) => {
    const broken = links(readFileSync(path.join(root, file), 'utf8'))
      .map((link) => ({ link, problem: brokenTarget(file, link) }))
      .filter((b) => b.problem !== null);
    expect(broken).toEqual([]);
  });

  it('every docs/ reference in a source comment resolves', () => {
    const broken: string[] = [];
    for (const file of tracked.filter((f) => /\.(ts|tsx|mjs)$/.test(f) && !f.includes('node_modules'))) {
      for (const match of readFileSync(path.join(root, file), 'utf8').matchAll(/\bdocs\/[\w./-]+\.md(#[\w-]+)?/g)) {
        const problem = brokenTarget('README.md', match[0]);
        if (problem) broken.push(`${file}: ${match[0]} (${problem})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README stays a five-minute read (at most 10 KB)', () => {
    expect(statSync(path.join(root, 'README.md')).size).toBeLessThanOrEqual(10 * 1024);
  });
});
