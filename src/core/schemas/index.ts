/**
 * Schema compilation and compatibility for the schema registry and schema-validated topics: one
 * `Validator` shape for JSON Schema and Avro so callers (produce validation, the registry) never branch on
 * the kind. Nothing is cached here; callers cache compiled validators by schema id.
 */
import type { SchemaType } from '../../protocol/schemas.js'
import { compileAvro } from './avro.js'
import { compileJsonSchema } from './json-schema.js'

export { checkCompatibility, type CompatibilityResult } from './compatibility.js'

export interface ValidationError {
  /** A JSON Pointer into the validated value, e.g. `/customer/address/zip` or `/items/3`; `''` is the root. */
  path: string
  message: string
}

export type ValidationResult = { valid: true } | { valid: false; errors: ValidationError[] }

export interface Validator {
  validate(value: unknown): ValidationResult
}

export type CompileResult = { ok: true; validator: Validator } | { ok: false; error: string }

/** Parses and checks `schemaText`; a schema that would fail at validation time is refused here instead. */
export function compileSchema(kind: SchemaType, schemaText: string): CompileResult {
  switch (kind) {
    case 'JSON':
      return compileJsonSchema(schemaText)
    case 'AVRO':
      return compileAvro(schemaText)
    default:
      return { ok: false, error: `unknown schema type '${String(kind)}'` }
  }
}
