/**
 * The part of the ONNX schema that `exportOnnx` writes, as a protobufjs
 * JSON descriptor (`Root.fromJSON`, no code generation): the messages and
 * fields of `onnx/onnx.proto3` (ONNX Project Contributors, Apache-2.0,
 * https://github.com/onnx/onnx) that a model of dense layers needs, under
 * their names and field numbers there; the fields left out are never
 * written.
 *
 * @module
 */

/** `TensorProto.DataType`: the element types written. */
export const DATA_TYPE = { FLOAT: 1, DOUBLE: 11 } as const;

/** `AttributeProto.AttributeType`: the attribute kinds written. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, INTS: 7 } as const;

const repeated = (type: string, id: number) => ({
  rule: "repeated",
  type,
  id,
});

/** The descriptor, for protobufjs's `Root.fromJSON`. */
export const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: "int64", id: 1 },
            producer_name: { type: "string", id: 2 },
            producer_version: { type: "string", id: 3 },
            domain: { type: "string", id: 4 },
            model_version: { type: "int64", id: 5 },
            doc_string: { type: "string", id: 6 },
            graph: { type: "GraphProto", id: 7 },
            opset_import: repeated("OperatorSetIdProto", 8),
            metadata_props: repeated("StringStringEntryProto", 14),
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: "string", id: 1 },
            version: { type: "int64", id: 2 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: "string", id: 1 },
            value: { type: "string", id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: repeated("NodeProto", 1),
            name: { type: "string", id: 2 },
            initializer: repeated("TensorProto", 5),
            doc_string: { type: "string", id: 10 },
            input: repeated("ValueInfoProto", 11),
            output: repeated("ValueInfoProto", 12),
          },
        },
        NodeProto: {
          fields: {
            input: repeated("string", 1),
            output: repeated("string", 2),
            name: { type: "string", id: 3 },
            op_type: { type: "string", id: 4 },
            attribute: repeated("AttributeProto", 5),
            doc_string: { type: "string", id: 6 },
            domain: { type: "string", id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: "string", id: 1 },
            f: { type: "float", id: 2 },
            i: { type: "int64", id: 3 },
            ints: repeated("int64", 8),
            type: { type: "int32", id: 20 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: "string", id: 1 },
            type: { type: "TypeProto", id: 2 },
            doc_string: { type: "string", id: 3 },
          },
        },
        TypeProto: {
          fields: { tensor_type: { type: "Tensor", id: 1 } },
          nested: {
            Tensor: {
              fields: {
                elem_type: { type: "int32", id: 1 },
                shape: { type: "TensorShapeProto", id: 2 },
              },
            },
          },
        },
        TensorShapeProto: {
          fields: { dim: repeated("Dimension", 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ["dim_value", "dim_param"] } },
              fields: {
                dim_value: { type: "int64", id: 1 },
                dim_param: { type: "string", id: 2 },
              },
            },
          },
        },
        TensorProto: {
          fields: {
            dims: repeated("int64", 1),
            data_type: { type: "int32", id: 2 },
            name: { type: "string", id: 8 },
            raw_data: { type: "bytes", id: 9 },
            doc_string: { type: "string", id: 12 },
          },
        },
      },
    },
  },
};
