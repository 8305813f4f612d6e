/**
 * One consumer's membership of its group over HTTP: joining (and joining again while the coordinator
 * answers that the rebalance has not completed), background heartbeats, and leaving.
 *
 * The coordinator follows Kafka's eager protocol: when membership changes, every member learns it from a
 * heartbeat (REBALANCE_IN_PROGRESS), commits what it processed, and joins again; a member that heartbeats
 * with a generation that has ended (ILLEGAL_GENERATION) or after it was removed (UNKNOWN_MEMBER_ID) must
 * also join again, the last one without its old member id. This class only records that a rejoin is
 * needed (`rejoinReason`); the consumer performs it on its next call, after committing.
 */
import {
  KafdoError,
  MAX_JOIN_WAIT_MS,
  type HeartbeatResult,
  type JoinGroupRequest,
  type JoinGroupResult,
  type TopicPartitions,
} from '../src/protocol/index.js'
import type { HttpCore } from './http.js'

/** The coordinator's answers that end this member's generation: it must join again. */
export type RejoinReason = 'REBALANCE_IN_PROGRESS' | 'ILLEGAL_GENERATION' | 'UNKNOWN_MEMBER_ID'
const REJOIN_REASONS: ReadonlySet<string> = new Set<RejoinReason>(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'])

export type AssignmentStrategy = NonNullable<JoinGroupRequest['strategy']>

export interface MembershipOptions {
  groupId: string
  topics: string[]
  pattern: string | undefined
  sessionTimeoutMs: number | undefined
  rebalanceTimeoutMs: number | undefined
  strategy: AssignmentStrategy | undefined
  heartbeatIntervalMs: number
}

/** What one heartbeat learned. */
export interface HeartbeatOutcome {
  /** Whether the member must join again before it fetches or commits more (the consumer does it). */
  rejoinNeeded: boolean
  /** Why, when `rejoinNeeded`. */
  reason?: RejoinReason
  /** The group's answer, when the heartbeat was accepted. */
  result?: HeartbeatResult
}

/** Slack on top of the longest time the coordinator holds a join. */
const JOIN_SLACK_MS = 5_000

export function rejoinReasonOf(error: unknown): RejoinReason | undefined {
  return error instanceof KafdoError && REJOIN_REASONS.has(error.code) ? (error.code as RejoinReason) : undefined
}

export class GroupMembership {
  readonly #http: HttpCore
  readonly #options: MembershipOptions
  #memberId: string | undefined
  #generationId: number | undefined
  #assignment: TopicPartitions[] = []
  #owned = new Set<string>()
  #rejoinReason: RejoinReason | undefined
  #joining = false
  #heartbeating = false
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(http: HttpCore, options: MembershipOptions) {
    this.#http = http
    this.#options = options
  }

  get memberId(): string | undefined {
    return this.#memberId
  }

  get generationId(): number | undefined {
    return this.#generationId
  }

  /** Whether `connect()` has joined and `disconnect()` has not left since. */
  get connected(): boolean {
    return this.#generationId !== undefined
  }

  get rejoinReason(): RejoinReason | undefined {
    return this.#rejoinReason
  }

  /** The partitions of the current generation's assignment, by topic. */
  get assignment(): TopicPartitions[] {
    return this.#assignment.map(({ topic, partitions }) => ({ topic, partitions: [...partitions] }))
  }

  owns(topic: string, partition: number): boolean {
    return this.#owned.has(key(topic, partition))
  }

  /** Records that the coordinator refused this generation; true when `error` said so. */
  noteRefusal(error: unknown, memberId = this.#memberId, generationId = this.#generationId): boolean {
    const reason = rejoinReasonOf(error)
    if (reason === undefined) return false
    // An answer about a generation this member has already left (it rejoined meanwhile) is old news.
    if (memberId !== this.#memberId || generationId !== this.#generationId || this.#joining) return true
    // A fenced member cannot commit, so a later REBALANCE_IN_PROGRESS must not hide that.
    if (this.#rejoinReason === undefined || this.#rejoinReason === 'REBALANCE_IN_PROGRESS') this.#rejoinReason = reason
    return true
  }

  /**
   * Joins (or rejoins) the group and returns the generation's assignment. While the coordinator answers
   * `generationId: -1` (the rebalance has not completed within its hold) it joins again as the same member.
   */
  async join(): Promise<JoinGroupResult> {
    this.#joining = true
    try {
      let memberId = this.#rejoinReason === 'UNKNOWN_MEMBER_ID' ? undefined : this.#memberId
      for (;;) {
        let result: JoinGroupResult
        try {
          result = await this.#joinOnce(memberId)
        } catch (err) {
          // The coordinator forgot us (session expired, group deleted): join as a new member.
          if (memberId !== undefined && rejoinReasonOf(err) === 'UNKNOWN_MEMBER_ID') {
            memberId = undefined
            continue
          }
          throw err
        }
        memberId = result.memberId
        if (result.generationId === -1) continue
        this.#memberId = result.memberId
        this.#generationId = result.generationId
        this.#assignment = result.assignment.map(({ topic, partitions }) => ({ topic, partitions: [...partitions] }))
        this.#owned = new Set(result.assignment.flatMap(({ topic, partitions }) => partitions.map((p) => key(topic, p))))
        this.#rejoinReason = undefined
        return result
      }
    } finally {
      this.#joining = false
    }
  }

  #joinOnce(memberId: string | undefined): Promise<JoinGroupResult> {
    const { topics, pattern, sessionTimeoutMs, rebalanceTimeoutMs, strategy } = this.#options
    return this.#http.request<JoinGroupResult>({
      method: 'POST',
      path: ['consumer-groups', this.#options.groupId, 'join'],
      body: {
        ...(memberId !== undefined ? { memberId } : {}),
        clientId: this.#http.clientId,
        ...(pattern !== undefined ? { pattern } : { topics }),
        ...(sessionTimeoutMs !== undefined ? { sessionTimeoutMs } : {}),
        ...(rebalanceTimeoutMs !== undefined ? { rebalanceTimeoutMs } : {}),
        ...(strategy !== undefined ? { strategy } : {}),
      },
      // The coordinator may hold a join until the rebalance completes.
      timeout: Math.max(this.#http.timeout, MAX_JOIN_WAIT_MS + JOIN_SLACK_MS),
      // A repeated first join would register a second member.
      idempotent: false,
    })
  }

  /**
   * Sends one heartbeat now. A refusal that ends the generation is not an error: it is returned as
   * `rejoinNeeded` (and remembered, so the consumer's next call rejoins). Other failures are thrown.
   */
  async heartbeat(): Promise<HeartbeatOutcome> {
    const memberId = this.#memberId
    const generationId = this.#generationId
    if (memberId === undefined || generationId === undefined) {
      throw new KafdoError('INVALID_REQUEST', `cannot heartbeat: the consumer has not joined group '${this.#options.groupId}' (call connect() first)`)
    }
    if (this.#rejoinReason !== undefined) return { rejoinNeeded: true, reason: this.#rejoinReason }
    try {
      const result = await this.#http.request<HeartbeatResult>({
        method: 'POST',
        path: ['consumer-groups', this.#options.groupId, 'heartbeat'],
        body: { memberId, generationId },
        idempotent: true,
      })
      return { rejoinNeeded: false, result }
    } catch (err) {
      if (!this.noteRefusal(err, memberId, generationId)) throw err
      return this.#rejoinReason === undefined ? { rejoinNeeded: false } : { rejoinNeeded: true, reason: this.#rejoinReason }
    }
  }

  /** Heartbeats every `heartbeatIntervalMs` in the background; the timer never keeps a Node process alive. */
  startHeartbeats(): void {
    if (this.#timer !== undefined) return
    const timer = setInterval(() => void this.#tick(), this.#options.heartbeatIntervalMs)
    ;(timer as { unref?: () => void }).unref?.()
    this.#timer = timer
  }

  stopHeartbeats(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  async #tick(): Promise<void> {
    // No heartbeat while joining (the join itself counts as one) or when the answer is already known.
    if (!this.connected || this.#joining || this.#heartbeating || this.#rejoinReason !== undefined) return
    this.#heartbeating = true
    try {
      await this.heartbeat()
    } catch {
      // A lost heartbeat is retried by the next tick; the session timeout allows for several.
    } finally {
      this.#heartbeating = false
    }
  }

  /** Leaves the group, so it rebalances now instead of after the session timeout. */
  async leave(): Promise<void> {
    this.stopHeartbeats()
    const memberId = this.#memberId
    this.#forget()
    if (memberId === undefined) return
    try {
      await this.#http.request<unknown>({
        method: 'POST',
        path: ['consumer-groups', this.#options.groupId, 'leave'],
        body: { memberId },
        idempotent: true,
        doneIf: (error) => error.code === 'UNKNOWN_MEMBER_ID',
      })
    } catch (err) {
      // Already removed (session timeout, group deleted): there is nothing left to leave.
      if (rejoinReasonOf(err) !== 'UNKNOWN_MEMBER_ID') throw err
    }
  }

  #forget(): void {
    this.#memberId = undefined
    this.#generationId = undefined
    this.#assignment = []
    this.#owned = new Set()
    this.#rejoinReason = undefined
  }
}

export function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}
