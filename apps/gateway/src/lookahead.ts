/**
 * Which fields a query selects below the field being resolved, through fragments: a list resolver
 * can then fetch what its items' resolvers will ask for in its own statement. @skip/@include are
 * not evaluated, so the answer may name a field that ends up skipped (fetched for nothing, never
 * missing).
 */
import { type FieldNode, type FragmentDefinitionNode, Kind, type SelectionSetNode } from 'graphql';

interface Info {
  fieldNodes: readonly FieldNode[];
  fragments: Record<string, FragmentDefinitionNode>;
}

// documents are parsed once per query text (Apollo's document store), so their nodes make stable keys
const cache = new WeakMap<FieldNode, Map<string, ReadonlySet<string>>>();

function collect(sets: SelectionSetNode[], name: string, info: Info, seen: Set<string>): SelectionSetNode[] {
  const out: SelectionSetNode[] = [];
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === name && selection.selectionSet) out.push(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else {
        const fragment = info.fragments[selection.name.value];
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          walk(fragment.selectionSet);
          seen.delete(fragment.name.value);
        }
      }
    }
  };
  for (const set of sets) walk(set);
  return out;
}

function names(sets: SelectionSetNode[], info: Info): Set<string> {
  const out = new Set<string>();
  const walk = (set: SelectionSetNode, seen: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) out.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, seen);
      else {
        const fragment = info.fragments[selection.name.value];
        if (fragment && !seen.has(fragment.name.value)) walk(fragment.selectionSet, new Set([...seen, fragment.name.value]));
      }
    }
  };
  for (const set of sets) walk(set, new Set());
  return out;
}

/** Names of the fields selected at `path` below the resolved field (`['edges', 'node']` for a connection's items). */
export function selectedFields(info: Info, path: readonly string[]): ReadonlySet<string> {
  const first = info.fieldNodes[0];
  const key = path.join('.');
  const known = first && info.fieldNodes.length === 1 ? cache.get(first)?.get(key) : undefined;
  if (known) return known;
  let sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const step of path) sets = collect(sets, step, info, new Set());
  const found = names(sets, info);
  if (first && info.fieldNodes.length === 1) {
    let byPath = cache.get(first);
    if (!byPath) {
      byPath = new Map();
      cache.set(first, byPath);
    }
    byPath.set(key, found);
  }
  return found;
}
