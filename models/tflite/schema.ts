/**
 * The parts of the TFLite flatbuffer schema (version 3, identifier `TFL3`)
 * that the writer and the reader use: enum values and field slots. Facts from
 * the public schema; see ../../../shared/design/TFLITE_FORMAT.md.
 */

export const FILE_IDENTIFIER = 'TFL3';
export const SCHEMA_VERSION = 3;

/** TensorType enum, by name. */
export const TENSOR_TYPE = {
  float32: 0,
  float16: 1,
  int32: 2,
  uint8: 3,
  int64: 4,
  string: 5,
  bool: 6,
  int16: 7,
  complex64: 8,
  int8: 9,
  float64: 10,
  complex128: 11,
  uint64: 12,
  resource: 13,
  variant: 14,
  uint32: 15,
  uint16: 16,
  int4: 17,
  bfloat16: 18,
} as const;

export type TensorTypeName = keyof typeof TENSOR_TYPE;

const TENSOR_TYPE_NAMES = Object.fromEntries(Object.entries(TENSOR_TYPE).map(([name, code]) => [code, name])) as Record<number, TensorTypeName>;

export function tensorTypeName(code: number): string {
  return TENSOR_TYPE_NAMES[code] ?? `type${code}`;
}

/** Bytes per element (int4 counts as one byte: it is stored unpacked by TFLite's own tools only in some versions). */
export const TENSOR_TYPE_BYTES: Partial<Record<TensorTypeName, number>> = {
  float32: 4,
  float16: 2,
  int32: 4,
  uint8: 1,
  int64: 8,
  bool: 1,
  int16: 2,
  int8: 1,
  float64: 8,
  uint32: 4,
  uint16: 2,
};

/** BuiltinOperator codes that the converter emits. */
export const OP = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU_N1_TO_1: 20,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  SOFTMAX: 25,
  TANH: 28,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  DIV: 42,
  EXP: 47,
  LOG_SOFTMAX: 50,
  PRELU: 54,
  MAXIMUM: 55,
  MINIMUM: 57,
  NEG: 59,
  SLICE: 65,
  TRANSPOSE_CONV: 67,
  LOG: 73,
  REDUCE_MAX: 82,
  RESIZE_NEAREST_NEIGHBOR: 97,
  LEAKY_RELU: 98,
  ABS: 101,
  ELU: 111,
  QUANTIZE: 114,
  HARD_SWISH: 117,
  GELU: 150,
} as const;

export type OpName = keyof typeof OP;

/**
 * Every builtin operator name by code, so that `bench inspect` names the ops
 * of any .tflite file (codes beyond the list print as BUILTIN_<n>).
 */
const BUILTIN_NAMES = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE', 'EMBEDDING_LOOKUP',
  'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D', 'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC',
  'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX',
  'SPACE_TO_DEPTH', 'SVDF', 'TANH', 'CONCAT_EMBEDDINGS', 'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN', 'SUB', 'DIV', 'SQUEEZE',
  'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN', 'EXP', 'TOPK_V2', 'SPLIT', 'LOG_SOFTMAX', 'DELEGATE',
  'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU', 'MAXIMUM', 'ARG_MAX', 'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER', 'GREATER_EQUAL',
  'LESS_EQUAL', 'SELECT', 'SLICE', 'SIN', 'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG', 'SUM',
  'SQRT', 'RSQRT', 'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK', 'LOGICAL_OR', 'ONE_HOT', 'LOGICAL_AND',
  'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV', 'REDUCE_ANY', 'SQUARE', 'ZEROS_LIKE', 'FILL', 'FLOOR_MOD', 'RANGE',
  'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU', 'SQUARED_DIFFERENCE', 'MIRROR_PAD', 'ABS', 'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N',
  'GATHER_ND', 'COS', 'WHERE', 'RANK', 'ELU', 'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND', 'HARD_SWISH',
  'IF', 'WHILE', 'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2', 'DENSIFY', 'SEGMENT_SUM', 'BATCH_MATMUL',
  'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE', 'BROADCAST_TO', 'RFFT2D', 'CONV_3D', 'IMAG', 'REAL', 'COMPLEX_ABS',
  'HASHTABLE', 'HASHTABLE_FIND', 'HASHTABLE_IMPORT', 'HASHTABLE_SIZE', 'REDUCE_ALL', 'CONV_3D_TRANSPOSE', 'VAR_HANDLE', 'READ_VARIABLE',
  'ASSIGN_VARIABLE', 'BROADCAST_ARGS', 'RANDOM_STANDARD_NORMAL', 'BUCKETIZE', 'RANDOM_UNIFORM', 'MULTINOMIAL', 'GELU',
  'DYNAMIC_UPDATE_SLICE', 'RELU_0_TO_1', 'UNSORTED_SEGMENT_PROD', 'UNSORTED_SEGMENT_MAX', 'UNSORTED_SEGMENT_SUM', 'ATAN2',
  'UNSORTED_SEGMENT_MIN', 'SIGN',
];

export function builtinOperatorName(code: number): string {
  return BUILTIN_NAMES[code] ?? `BUILTIN_${code}`;
}

/** BuiltinOptions union tags. */
export const OPTIONS_TAG = {
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  TransposeOptions: 26,
  ReducerOptions: 27,
  SubOptions: 28,
  DivOptions: 29,
  TransposeConvOptions: 49,
  ResizeBilinearOptions: 15,
  ResizeNearestNeighborOptions: 74,
  LeakyReluOptions: 75,
  GeluOptions: 116,
} as const;

export const PADDING = { SAME: 0, VALID: 1 } as const;
export type PaddingName = keyof typeof PADDING;

export const ACTIVATION = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 } as const;
export type ActivationName = keyof typeof ACTIVATION;

/** Field slots (the order of fields in each table, from 0). */
export const SLOT = {
  Model: { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, metadata_buffer: 5, metadata: 6, signature_defs: 7 },
  OperatorCode: { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, shape_signature: 7, has_rank: 8 },
  Operator: { opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, custom_options: 5, intermediates: 8 },
  Buffer: { data: 0, offset: 1, size: 2 },
  Quantization: { min: 0, max: 1, scale: 2, zero_point: 3, details_type: 4, details: 5, quantized_dimension: 6 },
  Metadata: { name: 0, buffer: 1 },
  SignatureDef: { inputs: 0, outputs: 1, signature_key: 2, subgraph_index: 4 },
  TensorMap: { name: 0, tensor_index: 1 },
} as const;

/** Number of fields to reserve when starting each table (last slot + 1). */
export const FIELD_COUNT = {
  Model: 8,
  OperatorCode: 4,
  SubGraph: 5,
  Tensor: 9,
  Operator: 5,
  Buffer: 3,
  Quantization: 7,
  Metadata: 2,
  SignatureDef: 5,
  TensorMap: 2,
} as const;
