// Typed GGUF metadata values. GGUF stores an explicit type tag with every value, and llama.cpp checks those
// tags (e.g. `tokenizer.ggml.token_type` must be an INT32 array, ids are read as UINT32), so a plain JS number
// is not enough: every value says which GGUF type it is written as.

/** GGUF value type tags, as numbered in the GGUF spec (gguf.h `enum gguf_type`). */
export const GGUF_VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufScalarValue =
  | {
      type: 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';
      value: number;
    }
  | { type: 'uint64' | 'int64'; value: bigint | number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string };

export type GgufArrayValue =
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'float32[]'; value: ArrayLike<number> }
  | { type: 'int32[]'; value: ArrayLike<number> }
  | { type: 'uint32[]'; value: ArrayLike<number> };

export type GgufValue = GgufScalarValue | GgufArrayValue;

/**
 * Metadata in the order it is written. A record keeps insertion order for non-numeric keys (all GGUF keys
 * are dotted names), so either form gives a predictable file.
 */
export type GgufMetadata = Readonly<Record<string, GgufValue>> | ReadonlyArray<readonly [string, GgufValue]>;

// Short constructors so model descriptions read like the metadata tables in llama.cpp's docs.
export const u32 = (value: number): GgufValue => ({ type: 'uint32', value });
export const i32 = (value: number): GgufValue => ({ type: 'int32', value });
export const u64 = (value: bigint | number): GgufValue => ({ type: 'uint64', value });
export const f32 = (value: number): GgufValue => ({ type: 'float32', value });
export const bool = (value: boolean): GgufValue => ({ type: 'bool', value });
export const str = (value: string): GgufValue => ({ type: 'string', value });
export const strArr = (value: readonly string[]): GgufValue => ({ type: 'string[]', value });
export const f32Arr = (value: ArrayLike<number>): GgufValue => ({ type: 'float32[]', value });
export const i32Arr = (value: ArrayLike<number>): GgufValue => ({ type: 'int32[]', value });

export function metadataEntries(metadata: GgufMetadata): Array<readonly [string, GgufValue]> {
  return Array.isArray(metadata)
    ? [...(metadata as ReadonlyArray<readonly [string, GgufValue]>)]
    : Object.entries(metadata as Readonly<Record<string, GgufValue>>);
}
