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
  const depth = jsonDepth(schemaText)
  if (depth > MAX_SCHEMA_DEPTH) return { ok: false, error: `the schema nests ${depth} levels deep; at most ${MAX_SCHEMA_DEPTH} are allowed` }
  const compiled = compileFor(kind, schemaText)
  if (!compiled.ok) return compiled
  const { validator } = compiled
  return {
    ok: true,
    validator: {
      // At most MAX_ERRORS errors per value, and never an exception: a value that defeats the validator is invalid.
      validate(value: unknown): ValidationResult {
        try {
          const result = validator.validate(value)
          return result.valid ? result : { valid: false, errors: result.errors.slice(0, MAX_ERRORS) }
        } catch (err) {
          return { valid: false, errors: [{ path: '', message: `value cannot be validated: ${(err as Error).message}` }] }
        }
      },
    },
  }
}

/** Deeper schema documents are refused: comparing or walking them would exhaust the stack. */
const MAX_SCHEMA_DEPTH = 64
const MAX_ERRORS = 100

function compileFor(kind: SchemaType, schemaText: string): CompileResult {
  switch (kind) {
    case 'JSON':
      return compileJsonSchema(schemaText)
    case 'AVRO':
      return compileAvro(schemaText)
    default:
      return { ok: false, error: `unknown schema type '${String(kind)}'` }
  }
}

/** Nesting depth of the JSON text's arrays and objects, counted without parsing. */
function jsonDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') max = Math.max(max, ++depth)
    else if (c === '}' || c === ']') depth--
  }
  return max
}
