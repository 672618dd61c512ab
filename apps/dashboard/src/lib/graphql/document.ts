/**
 * A GraphQL operation as a plain string that carries its result and variable types, so the
 * HTTP and websocket clients are typed end to end without a GraphQL runtime in the browser.
 */
export interface TypedOperation<TData, TVariables> {
  readonly source: string;
  readonly operationName: string;
  /** Phantom field: never set, only carries the types. */
  readonly __types?: { data: TData; variables: TVariables };
}

export type ResultOf<T> = T extends TypedOperation<infer TData, unknown> ? TData : never;
export type VariablesOf<T> = T extends TypedOperation<unknown, infer TVariables> ? TVariables : never;

/** Builds a typed operation; fragments it spreads are appended to its source. */
export function operation<TData, TVariables>(source: string, ...fragments: string[]): TypedOperation<TData, TVariables> {
  const name = /\b(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(source)?.[1];
  if (!name) throw new Error('GraphQL operation without a name');
  return { source: [source.trim(), ...fragments.map((f) => f.trim())].join('\n'), operationName: name };
}
