import { type FieldNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectedFields } from './lookahead.ts';

/** The info graphql-js would pass the resolver of the operation's first root field. */
function infoOf(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const root = operation?.selectionSet.selections[0] as FieldNode;
  return { fieldNodes: [root], fragments };
}

describe('selectedFields', () => {
  it('names the fields below a path, through inline fragments and named ones', () => {
    const info = infoOf(`{
      models { totalCount edges { cursor node { id ...Health ... on Model { latestVersion { version } } } } }
    }
    fragment Health on Model { health ...Name }
    fragment Name on Model { name }`);
    expect([...selectedFields(info, ['edges', 'node'])].sort()).toEqual(['health', 'id', 'latestVersion', 'name']);
    expect([...selectedFields(info, ['edges'])].sort()).toEqual(['cursor', 'node']);
    expect([...selectedFields(info, [])].sort()).toEqual(['edges', 'totalCount']);
  });

  it('finds nothing below a path the query does not select, and survives a fragment cycle', () => {
    const info = infoOf(
      '{ models { totalCount ...A } } fragment A on ModelConnection { ...B } fragment B on ModelConnection { ...A }',
    );
    expect(selectedFields(info, ['edges', 'node']).size).toBe(0);
    expect([...selectedFields(info, [])]).toEqual(['totalCount']);
  });

  it('answers again from its cache for the same document', () => {
    const info = infoOf('{ models { edges { node { health } } } }');
    const first = selectedFields(info, ['edges', 'node']);
    expect(selectedFields(info, ['edges', 'node'])).toBe(first);
    expect([...first]).toEqual(['health']);
  });
});
