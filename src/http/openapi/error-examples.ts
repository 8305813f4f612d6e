/**
 * One example answer per error code, for the OpenAPI document: each route's error responses show the
 * codes it can answer with these bodies. Messages are worded as the server words them.
 */
import type { ErrorCode, ErrorPayload } from '../../protocol/errors.js'

export const ERROR_EXAMPLES: { [C in ErrorCode]: { summary: string; error: Omit<ErrorPayload, 'code'> } } = {
  INVALID_REQUEST: {
    summary: 'A field, query parameter or path parameter is not valid (every problem is listed)',
    error: { message: 'partitions must be an integer from 1 to 1024', details: { issues: [{ path: 'partitions', message: 'partitions must be an integer from 1 to 1024' }] } },
  },
  INVALID_JSON: { summary: 'The body is not JSON', error: { message: 'request body is not valid JSON' } },
  INVALID_TOPIC_EXCEPTION: {
    summary: 'The topic name is reserved',
    error: { message: "'__audit' is an internal topic: it cannot be created", details: { topic: '__audit' } },
  },
  INVALID_PARTITIONS: {
    summary: 'A partition count that cannot be applied',
    error: { message: 'a topic cannot have fewer partitions than it has (3); Kafka only adds partitions', details: { current: 3, requested: 2 } },
  },
  INVALID_CONFIG: {
    summary: 'An unknown topic config key or a bad value',
    error: { message: 'invalid topic config: retention.ms must be a non-negative integer or -1 (unlimited)', details: { errors: { 'retention.ms': 'must be a non-negative integer or -1 (unlimited)' } } },
  },
  INVALID_TIMESTAMP: { summary: 'A timestamp that cannot be used', error: { message: 'timestamp is out of range' } },
  UNAUTHENTICATED: { summary: 'No credential, or one that is not valid', error: { message: 'credentials are required' } },
  FORBIDDEN: {
    summary: 'The credential lacks the permission (named in details.missing)',
    error: { message: 'missing permission produce@orders', details: { missing: 'produce@orders' } },
  },
  NOT_FOUND: { summary: 'No such resource', error: { message: "webhook 'wh_0123456789abcdef' not found" } },
  UNKNOWN_TOPIC_OR_PARTITION: {
    summary: 'No such topic (or partition) in this tenant',
    error: { message: "topic 'orders' does not exist", details: { topic: 'orders' } },
  },
  GROUP_ID_NOT_FOUND: { summary: 'No such consumer group', error: { message: "consumer group 'billing' does not exist" } },
  METHOD_NOT_ALLOWED: {
    summary: 'The path takes other methods (listed in Allow)',
    error: { message: 'PUT is not allowed on /admin/topics; it takes GET, HEAD, POST', details: { method: 'PUT', allow: ['GET', 'HEAD', 'POST'] } },
  },
  TOPIC_ALREADY_EXISTS: { summary: 'The name is taken', error: { message: "topic 'orders' already exists", details: { topic: 'orders' } } },
  DUPLICATE_SEQUENCE_NUMBER: {
    summary: 'An idempotent producer sequence that does not follow the last one written',
    error: { message: 'sequence 7 of producer p-1 was already written; expected 9', details: { expected: 9 } },
  },
  OUT_OF_ORDER_SEQUENCE_NUMBER: { summary: 'A sequence gap', error: { message: 'sequence 12 of producer p-1 is out of order; expected 9' } },
  NON_EMPTY_GROUP: { summary: 'The group still has members', error: { message: "group 'billing' has members; they must leave first" } },
  UNKNOWN_MEMBER_ID: { summary: 'The member is not in the group (it must join again)', error: { message: "member 'm-1' is not in group 'billing'" } },
  STALE_MEMBER_EPOCH: {
    summary: "An epoch older than the member's (heartbeat to learn the new one)",
    error: { message: 'member epoch 3 is stale; the member is at epoch 4', details: { memberEpoch: 4 } },
  },
  FENCED_MEMBER_EPOCH: { summary: 'An epoch the group never gave (join again)', error: { message: 'member epoch 9 was never given to member m-1' } },
  UNSUPPORTED_VERSION: {
    summary: 'A classic-protocol consumer group request (generationId)',
    error: { message: "this server's consumer groups use Kafka 4's consumer protocol (memberEpoch), not generations; upgrade kafdo/client" },
  },
  INCONSISTENT_GROUP_PROTOCOL: { summary: 'A strategy other than the group uses', error: { message: "group 'billing' uses the sticky assignor, not range" } },
  PARTITION_NOT_ASSIGNED: {
    summary: 'The member does not own the partition',
    error: { message: 'orders-2 is not assigned to member m-1', details: { topic: 'orders', partition: 2 } },
  },
  GROUP_MAX_SIZE_REACHED: { summary: 'The group is full', error: { message: "group 'billing' has reached its maximum of 1000 members" } },
  UNKNOWN_LEASE: { summary: 'No such lease on this queue', error: { message: "no lease '0:42:k3x9q2' on queue 'jobs'" } },
  SUBJECT_NOT_FOUND: { summary: 'No such subject', error: { message: "subject 'orders-value' not found" } },
  VERSION_NOT_FOUND: { summary: 'No such version of the subject', error: { message: "subject 'orders-value' has no version 3" } },
  SCHEMA_NOT_FOUND: { summary: 'No schema with that id', error: { message: 'schema 17 not found' } },
  INCOMPATIBLE_SCHEMA: {
    summary: "The schema breaks the subject's compatibility mode",
    error: { message: 'schema is not BACKWARD compatible with version 2', details: { messages: ["field 'total' was added without a default"] } },
  },
  INVALID_SCHEMA: { summary: 'The schema does not parse', error: { message: 'invalid AVRO schema: unknown type "lng"' } },
  INVALID_RECORD: {
    summary: "A record's value does not match the topic's schema",
    error: { message: 'record 0: value does not match schema 1 of orders-value: total is required', details: { index: 0 } },
  },
  LEASE_NOT_HELD: { summary: 'Another consumer holds the lease', error: { message: "lease '0:42:k3x9q2' is held by another consumer" } },
  LEASE_EXPIRED: { summary: 'The lease ran out (the record is redelivered)', error: { message: "lease '0:42:k3x9q2' has expired" } },
  RECORD_TOO_LARGE: {
    summary: "A record over the topic's max.message.bytes",
    error: { message: 'record 0 is 1048700 bytes, over max.message.bytes 1048576', details: { index: 0, maxBytes: 1048576 } },
  },
  PAYLOAD_TOO_LARGE: { summary: 'The request body is too large', error: { message: 'request body is over 10485760 bytes', details: { maxBytes: 10485760 } } },
  UNSUPPORTED_MEDIA_TYPE: { summary: 'A body of a type the route does not take', error: { message: 'unsupported media type' } },
  OFFSET_OUT_OF_RANGE: {
    summary: 'The offset is outside [earliest, latest] (ask for reset=earliest|latest)',
    error: { message: 'offset 500 is out of range [0, 43]', details: { earliest: 0, latest: 43 } },
  },
  POLICY_VIOLATION: {
    summary: 'A tenant quota or a rule refuses the change',
    error: { message: 'tenant quota maxTopics (10) would be exceeded', details: { quota: 'maxTopics', limit: 10 } },
  },
  THROTTLING_QUOTA_EXCEEDED: {
    summary: 'A rate quota: retry after Retry-After seconds',
    error: { message: 'produce rate quota exceeded', details: { bucket: 'produceBytes', retryAfterSeconds: 1 } },
  },
  INTERNAL_ERROR: { summary: 'An unexpected failure (logged with the request id)', error: { message: 'internal error (request id 5f0c…)' } },
  SERVICE_UNAVAILABLE: {
    summary: 'Storage unavailable, or authentication misconfigured (retriable)',
    error: { message: 'authentication is misconfigured: JWT_SECRET is not set', details: { reason: 'AUTH_NOT_CONFIGURED' } },
  },
  REQUEST_TIMED_OUT: { summary: 'The operation timed out (retriable)', error: { message: 'request timed out' } },
}
