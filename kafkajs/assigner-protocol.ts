/**
 * kafkajs's `AssignerProtocol` (`src/consumer/assignerProtocol.js`): Kafka's ConsumerProtocol member
 * metadata and assignment, in Kafka's encoding (int16 version, int32-counted arrays, int16-length
 * strings, int32-length bytes). `describeGroups` encodes each member's subscription and assignment with
 * it, as a broker does, so `AssignerProtocol.MemberAssignment.decode(member.memberAssignment)` works.
 * Custom assigners themselves cannot run: Kafdo assigns on the server (Kafka 4's consumer protocol).
 */
import { Buffer } from 'node:buffer'

export type MemberMetadata = { version: number; topics: string[]; userData: Buffer }
export type MemberAssignment = { version: number; assignment: { [topic: string]: number[] }; userData: Buffer }

export interface ISerializer<T> {
  encode(value: T): Buffer
  decode(buffer: Buffer): T | null
}

class Writer {
  readonly #chunks: Buffer[] = []
  int16(n: number): this {
    const b = Buffer.alloc(2)
    b.writeInt16BE(n)
    this.#chunks.push(b)
    return this
  }
  int32(n: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32BE(n)
    this.#chunks.push(b)
    return this
  }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8')
    return this.int16(bytes.length).raw(bytes)
  }
  bytes(b: Buffer): this {
    return this.int32(b.length).raw(b)
  }
  raw(b: Buffer): this {
    this.#chunks.push(b)
    return this
  }
  get buffer(): Buffer {
    return Buffer.concat(this.#chunks)
  }
}

class Reader {
  #offset = 0
  constructor(readonly buffer: Buffer) {}
  canRead(bytes: number): boolean {
    return this.#offset + bytes <= this.buffer.length
  }
  int16(): number {
    const n = this.buffer.readInt16BE(this.#offset)
    this.#offset += 2
    return n
  }
  int32(): number {
    const n = this.buffer.readInt32BE(this.#offset)
    this.#offset += 4
    return n
  }
  string(): string {
    const length = this.int16()
    const s = this.buffer.toString('utf8', this.#offset, this.#offset + length)
    this.#offset += length
    return s
  }
  bytes(): Buffer {
    const length = this.int32()
    if (length < 0) return Buffer.alloc(0)
    const b = this.buffer.subarray(this.#offset, this.#offset + length)
    this.#offset += length
    return Buffer.from(b)
  }
  array<T>(read: () => T): T[] {
    const count = this.int32()
    return Array.from({ length: Math.max(0, count) }, read)
  }
}

const MemberMetadataSerializer: ISerializer<MemberMetadata> = {
  encode({ version, topics, userData = Buffer.alloc(0) }) {
    const writer = new Writer().int16(version).int32(topics.length)
    for (const topic of topics) writer.string(topic)
    return writer.bytes(userData).buffer
  },
  decode(buffer) {
    const reader = new Reader(buffer)
    return { version: reader.int16(), topics: reader.array(() => reader.string()), userData: reader.bytes() }
  },
}

const MemberAssignmentSerializer: ISerializer<MemberAssignment> = {
  encode({ version, assignment, userData = Buffer.alloc(0) }) {
    const topics = Object.keys(assignment)
    const writer = new Writer().int16(version).int32(topics.length)
    for (const topic of topics) {
      writer.string(topic).int32(assignment[topic]!.length)
      for (const partition of assignment[topic]!) writer.int32(partition)
    }
    return writer.bytes(userData).buffer
  },
  decode(buffer) {
    const reader = new Reader(buffer)
    if (!reader.canRead(2)) return null
    const version = reader.int16()
    const assignment: Record<string, number[]> = {}
    for (const { topic, partitions } of reader.array(() => ({ topic: reader.string(), partitions: reader.array(() => reader.int32()) }))) {
      assignment[topic] = partitions
    }
    return { version, assignment, userData: reader.bytes() }
  },
}

export const AssignerProtocol: { MemberMetadata: ISerializer<MemberMetadata>; MemberAssignment: ISerializer<MemberAssignment> } = {
  MemberMetadata: MemberMetadataSerializer,
  MemberAssignment: MemberAssignmentSerializer,
}
