/**
 * Query cost that counts what lists multiply: a connection costs `first` (or the default page)
 * times its selection, any other list an assumed size times its selection. graphql-armor's cost
 * limit counts each field once, so models(first: 100) { versions(first: 100) { findings } }
 * passed as cheap while asking for a million rows.
 */
import {
  type FieldNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLOutputType,
  getNamedType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

export interface ListCostOptions {
  maxCost: number;
  /** Rows a connection returns when `first` is not given. */
  defaultPage: number;
  /** Rows assumed when `first` is a variable (validation runs before variables are known). */
  maxPage: number;
  /** Rows assumed for a list without `first` (findings, children, monitors, events...). */
  assumedListSize: number;
}

const isList = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

function rowsOf(field: FieldNode, options: ListCostOptions): number {
  const arg = field.arguments?.find((a) => a.name.value === 'first');
  if (!arg) return options.defaultPage;
  const value: ValueNode = arg.value;
  return value.kind === Kind.INT ? Math.max(0, Number(value.value)) : options.maxPage;
}

export function listCostRule(options: ListCostOptions): ValidationRule {
  return (context: ValidationContext) => {
    const schema = context.getSchema();
    const seen = new Set<string>();
    const costOf = (selections: SelectionSetNode, parent: GraphQLNamedType | undefined, depth: number): number => {
      if (depth > 50 || !parent || !(isObjectType(parent) || isInterfaceType(parent))) return 0;
      let total = 0;
      for (const selection of selections.selections) {
        if (selection.kind === Kind.FIELD) {
          const definition = parent.getFields()[selection.name.value];
          if (!definition) continue;
          const child = selection.selectionSet ? costOf(selection.selectionSet, getNamedType(definition.type), depth + 1) : 0;
          const connection = definition.args.some((a) => a.name === 'first');
          // a connection's edges are the rows its `first` already counted
          const multiplied = isList(definition.type) && !parent.name.endsWith('Connection');
          const rows = connection ? rowsOf(selection, options) : multiplied ? options.assumedListSize : 1;
          total += 1 + rows * child;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          total += costOf(selection.selectionSet, type ?? undefined, depth + 1);
        } else {
          const fragment = context.getFragment(selection.name.value);
          if (!fragment || seen.has(fragment.name.value)) continue;
          seen.add(fragment.name.value);
          total += costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, depth + 1);
          seen.delete(fragment.name.value);
        }
      }
      return total;
    };
    return {
      OperationDefinition(operation) {
        const root =
          operation.operation === 'query'
            ? schema.getQueryType()
            : operation.operation === 'mutation'
              ? schema.getMutationType()
              : schema.getSubscriptionType();
        const cost = costOf(operation.selectionSet, root ?? undefined, 0);
        if (cost > options.maxCost) {
          context.reportError(
            new GraphQLError(
              `This query would read about ${Math.round(cost)} rows; the limit is ${options.maxCost}. Ask for smaller pages or fewer nested lists.`,
              { nodes: [operation], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
            ),
          );
        }
      },
    };
  };
}
