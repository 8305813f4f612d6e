/**
 * The schema registry over HTTP (`client.registry()`): Confluent Schema Registry's paths, for registering,
 * reading and checking the schemas that schema-validated topics validate against (subject `<topic>-value`
 * or `<topic>-key`).
 *
 * Registering is retried: registering a schema the subject already holds answers its existing id.
 */
import { check, registerSchemaRequestSchema, type CompatibilityMode, type SchemaType, type SchemaVersion } from '../src/protocol/index.js'
import type { HttpCore } from './http.js'

export interface SchemaOptions {
  /** AVRO (Confluent's default) or JSON. */
  schemaType?: SchemaType
}

export interface CompatibilityCheck {
  compatible: boolean
  /** Why not, when not. */
  messages: string[]
}

export class KafdoSchemaRegistry {
  readonly #http: HttpCore

  constructor(http: HttpCore) {
    this.#http = http
  }

  /** Subject names. */
  subjects(): Promise<string[]> {
    return this.#http.request<string[]>({ method: 'GET', path: ['subjects'], idempotent: true })
  }

  /** A subject's live version numbers, oldest first. */
  versions(subject: string): Promise<number[]> {
    return this.#http.request<number[]>({ method: 'GET', path: ['subjects', subject, 'versions'], idempotent: true })
  }

  /** One version of a subject (default the latest), with its schema text. */
  get(subject: string, version: number | 'latest' = 'latest'): Promise<SchemaVersion> {
    return this.#http.request<SchemaVersion>({ method: 'GET', path: ['subjects', subject, 'versions', version], idempotent: true })
  }

  /** Registers `schema` (its JSON text) under `subject`; answers its id, an existing one if already registered. */
  async register(subject: string, schema: string, options: SchemaOptions = {}): Promise<{ id: number }> {
    const body = { schema, ...(options.schemaType ? { schemaType: options.schemaType } : {}) }
    check(registerSchemaRequestSchema, body)
    return this.#http.request<{ id: number }>({ method: 'POST', path: ['subjects', subject, 'versions'], body, idempotent: true })
  }

  /** Whether `schema` is compatible with a version of the subject (default the latest) under its mode. */
  async check(subject: string, schema: string, options: SchemaOptions & { version?: number | 'latest' } = {}): Promise<CompatibilityCheck> {
    const body = { schema, ...(options.schemaType ? { schemaType: options.schemaType } : {}) }
    check(registerSchemaRequestSchema, body)
    const answer = await this.#http.request<{ is_compatible: boolean; messages: string[] }>({
      method: 'POST',
      path: ['compatibility', 'subjects', subject, 'versions', options.version ?? 'latest'],
      body,
      idempotent: true,
    })
    return { compatible: answer.is_compatible, messages: answer.messages }
  }

  /** The subject's compatibility mode (its own, else the tenant's default). */
  async compatibility(subject: string): Promise<CompatibilityMode> {
    const { compatibilityLevel } = await this.#http.request<{ compatibilityLevel: CompatibilityMode }>({
      method: 'GET',
      path: ['config', subject],
      idempotent: true,
    })
    return compatibilityLevel
  }

  async setCompatibility(subject: string, compatibility: CompatibilityMode): Promise<void> {
    await this.#http.request<unknown>({ method: 'PUT', path: ['config', subject], body: { compatibility }, idempotent: true })
  }

  /** Deletes every version of the subject; answers the version numbers deleted. */
  deleteSubject(subject: string): Promise<number[]> {
    return this.#http.request<number[]>({ method: 'DELETE', path: ['subjects', subject], idempotent: true })
  }
}
