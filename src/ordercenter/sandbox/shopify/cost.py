"""Query cost the way Shopify calculates it, before (requested) and after (actual) execution.

Scalars and enums cost 0, objects 1, a connection 2 plus `first`/`last` times the cost of one
node, a mutation field 10. The actual cost counts the nodes that really came back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.type.definition import get_nullable_type

MUTATION_COST = 10


class CostCalculator:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                 variables: dict[str, Any] | None) -> None:
        self._schema = schema
        self._variables = variables or {}
        self._fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [op for op in operations if operation_name is None or (op.name and op.name.value == operation_name)]
        self.operation: OperationDefinitionNode | None = chosen[0] if chosen else None

    @property
    def is_mutation(self) -> bool:
        return self.operation is not None and self.operation.operation == OperationType.MUTATION

    def requested(self) -> int:
        return self._operation_cost(None, actual=False)

    def actual(self, data: dict[str, Any] | None) -> int:
        return self._operation_cost(data or {}, actual=True)

    def _operation_cost(self, data: dict[str, Any] | None, *, actual: bool) -> int:
        if self.operation is None:
            return 0
        if self.is_mutation:
            return MUTATION_COST * sum(1 for _ in self._fields(self.operation.selection_set, None))
        root = self._schema.query_type
        assert root is not None
        return self._selection_cost(root, self.operation.selection_set, data, actual)

    def _fields(self, selection_set: SelectionSetNode | None,
                parent: GraphQLNamedType | None) -> Iterator[tuple[FieldNode, GraphQLNamedType | None]]:
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self._schema.get_type(condition.name.value) if condition else parent
                yield from self._fields(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self._fields(fragment.selection_set,
                                            self._schema.get_type(fragment.type_condition.name.value))

    def _argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value == name:
                return value_from_ast_untyped(argument.value, self._variables)
        return None

    def _selection_cost(self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None, data: Any,
                        actual: bool) -> int:
        if actual and not isinstance(data, dict):
            return 0
        total = 0
        for field, owner in self._fields(selection_set, parent):
            name = field.name.value
            if name.startswith("__") or not isinstance(owner, GraphQLObjectType | GraphQLInterfaceType):
                continue
            definition = owner.fields.get(name)
            if definition is None:
                continue
            named = get_named_type(definition.type)
            if is_leaf_type(named):
                continue
            value = data.get(field.alias.value if field.alias else name) if actual else None
            is_list = is_list_type(get_nullable_type(definition.type))
            total += self._field_cost(field, named, is_list, value, actual)
        return total

    def _field_cost(self, field: FieldNode, named: GraphQLNamedType, is_list: bool, value: Any,
                    actual: bool) -> int:
        size = int(self._argument(field, "first") or self._argument(field, "last") or 0)
        if named.name.endswith("Connection"):
            return 2 + self._connection_items_cost(field, named, size, value, actual)
        if is_list:
            if not actual:
                return max(1, size) * (1 + self._selection_cost(named, field.selection_set, None, actual))
            return sum(1 + self._selection_cost(named, field.selection_set, item, actual) for item in value or [])
        return 1 + self._selection_cost(named, field.selection_set, value, actual)

    def _connection_items_cost(self, field: FieldNode, connection: GraphQLNamedType, size: int, value: Any,
                               actual: bool) -> int:
        assert isinstance(connection, GraphQLObjectType)
        total = 0
        for sub, _ in self._fields(field.selection_set, connection):
            sub_name = sub.name.value
            if sub_name not in ("nodes", "edges"):
                continue
            item_type = get_named_type(connection.fields[sub_name].type)
            if actual:
                items = (value or {}).get(sub.alias.value if sub.alias else sub_name) or []
            else:
                items = [None]
            costs = [
                1 + self._selection_cost(item_type, sub.selection_set, item, actual) if sub_name == "nodes"
                else self._edge_cost(item_type, sub, item, actual)
                for item in items
            ]
            total += sum(costs) if actual else size * sum(costs)
        return total

    def _edge_cost(self, edge_type: GraphQLNamedType, edges: FieldNode, edge: Any, actual: bool) -> int:
        assert isinstance(edge_type, GraphQLObjectType)
        cost = 0
        for sub, _ in self._fields(edges.selection_set, edge_type):
            if sub.name.value == "node":
                node_type = get_named_type(edge_type.fields["node"].type)
                node = (edge or {}).get(sub.alias.value if sub.alias else "node") if actual else None
                cost += 1 + self._selection_cost(node_type, sub.selection_set, node, actual)
        return cost
