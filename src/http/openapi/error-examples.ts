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
    error: { message: "topic name '__audit' is reserved: names starting with '__' are Kafdo's internal topics" },
  },
  INVALID_PARTITIONS: {
    summary: 'A partition count that cannot be applied',
    error: { message: "topic 'orders' has 3 partitions; the count can only grow", details: { partitions: 3, requested: 2 } },
  },
  INVALID_CONFIG: {
    summary: 'An unknown topic config key or a bad value',
    error: { message: 'invalid topic config', details: { config: { 'retention.ms': 'must be a non-negative integer or -1 (unlimited)' } } },
  },
  INVALID_TIMESTAMP: { summary: 'A timestamp that cannot be used', error: { message: 'the timestamp cannot be used' } },
  UNAUTHENTICATED: { summary: 'No credential, or one that is not valid', error: { message: 'credentials are required' } },
  FORBIDDEN: {
    summary: 'The credential lacks the permission (named in details.missing)',
    error: { message: 'missing permission produce@orders', details: { missing: 'produce@orders' } },
  },
  NOT_FOUND: { summary: 'No such resource', error: { message: "no webhook 'wh_0123456789abcdef'", details: { id: 'wh_0123456789abcdef' } } },
  UNKNOWN_TOPIC_OR_PARTITION: {
    summary: 'No such topic (or partition) in this tenant',
    error: { message: "topic 'orders' does not exist", details: { topic: 'orders' } },
  },
  GROUP_ID_NOT_FOUND: { summary: 'No such consumer group', error: { message: "group 'billing' does not exist" } },
  METHOD_NOT_ALLOWED: {
    summary: 'The path takes other methods (listed in Allow)',
    error: { message: 'PUT is not allowed on /admin/topics; it takes GET, HEAD, POST', details: { method: 'PUT', allow: ['GET', 'HEAD', 'POST'] } },
  },
  TOPIC_ALREADY_EXISTS: { summary: 'The name is taken', error: { message: "topic 'orders' already exists", details: { topic: 'orders' } } },
  DUPLICATE_SEQUENCE_NUMBER: {
    summary: 'An idempotent producer sequence that does not follow the last one written',
    error: { message: "producer 'p-1' has written up to sequence 900; sequence 7 is not among its last 5 requests, so it may already be written. Send new records with a higher sequence." },
  },
  OUT_OF_ORDER_SEQUENCE_NUMBER: { summary: 'A sequence gap', error: { message: 'sequence 12 of producer p-1 is out of order; expected 9' } },
  NON_EMPTY_GROUP: { summary: 'The group still has members', error: { message: "group 'billing' has active members; stop them before resetting offsets" } },
  UNKNOWN_MEMBER_ID: { summary: 'The member is not in the group (it must join again)', error: { message: "member 'm-1' is not in group 'billing'; join again without a memberId" } },
  STALE_MEMBER_EPOCH: {
    summary: "An epoch older than the member's (heartbeat to learn the new one)",
    error: { message: "member epoch 3 is stale: member 'm-1' is at epoch 4; heartbeat to learn it" },
  },
  FENCED_MEMBER_EPOCH: { summary: 'An epoch the group never gave (join again)', error: { message: "member epoch 9 is not member 'm-1''s epoch 4; give up its partitions and join again" } },
  UNSUPPORTED_VERSION: {
    summary: 'A classic-protocol consumer group request (generationId)',
    error: { message: "this server's consumer groups use Kafka 4's consumer protocol (memberEpoch), not generations; upgrade kafdo/client" },
  },
  INCONSISTENT_GROUP_PROTOCOL: { summary: 'A strategy other than the group uses', error: { message: "group 'billing' assigns with 'sticky', not 'range'" } },
  PARTITION_NOT_ASSIGNED: {
    summary: 'The member does not own the partition',
    error: { message: "partition 2 of 'orders' is not owned by member 'm-1'" },
  },
  GROUP_MAX_SIZE_REACHED: { summary: 'The group is full', error: { message: "group 'billing' already has 1000 members" } },
  TOO_MANY_SUBSCRIBERS: {
    summary: 'The partition has as many live subscribers as it takes',
    error: { message: "partition 0 of topic 'orders' has 64 live subscribers, as many as it takes", details: { limit: 64 } },
  },
  UNKNOWN_LEASE: { summary: 'No such lease on this queue', error: { message: "no lease '0:42:k3x9q2' on queue 'jobs'" } },
  SUBJECT_NOT_FOUND: { summary: 'No such subject', error: { message: "subject 'orders-value' not found" } },
  VERSION_NOT_FOUND: { summary: 'No such version of the subject', error: { message: "subject 'orders-value' has no version 3" } },
  SCHEMA_NOT_FOUND: { summary: 'No schema with that id', error: { message: 'no schema with id 17' } },
  INCOMPATIBLE_SCHEMA: {
    summary: "The schema breaks the subject's compatibility mode",
    error: { message: "schema is incompatible with an earlier version under BACKWARD: field 'total' was added without a default" },
  },
  INVALID_SCHEMA: { summary: 'The schema does not parse', error: { message: 'invalid AVRO schema: unknown type "lng"' } },
  INVALID_RECORD: {
    summary: "A record's value does not match the topic's schema",
    error: { message: "record 0 does not match schema 1 of 'orders-value': total is required", details: { index: 0 } },
  },
  LEASE_NOT_HELD: { summary: 'Another consumer holds the lease', error: { message: "lease on offset 42 is not held by 'worker-2'" } },
  LEASE_EXPIRED: { summary: 'The lease ran out (the record is redelivered)', error: { message: 'lease on offset 42 expired (its visibility timeout passed); it is redelivered' } },
  RECORD_TOO_LARGE: {
    summary: "A record over the topic's max.message.bytes",
    error: { message: "record 0 is 1048700 bytes; topic 'orders' allows 1048576", details: { index: 0, bytes: 1048700, maxMessageBytes: 1048576 } },
  },
  PAYLOAD_TOO_LARGE: { summary: 'The request body is too large', error: { message: 'request body is over 10485760 bytes', details: { maxBytes: 10485760 } } },
  UNSUPPORTED_MEDIA_TYPE: { summary: 'A body of a type the route does not take', error: { message: 'unsupported media type' } },
  OFFSET_OUT_OF_RANGE: {
    summary: 'The offset is outside [earliest, latest] (ask for reset=earliest|latest)',
    error: { message: 'offset 500 is outside the log [0, 43]', details: { offset: 500, earliest: 0, latest: 43 } },
  },
  POLICY_VIOLATION: {
    summary: 'A tenant quota or a rule refuses the change',
    error: { message: 'tenant quota maxTopics is 10; this needs 11', details: { quota: 'maxTopics', limit: 10, requested: 11 } },
  },
  THROTTLING_QUOTA_EXCEEDED: {
    summary: 'A rate quota: retry after Retry-After seconds',
    error: { message: 'tenant rate quota exceeded (produceBytes); retry in 1 s', details: { bucket: 'produceBytes', retryAfterSeconds: 1 } },
  },
  INTERNAL_ERROR: { summary: 'An unexpected failure (logged with the request id)', error: { message: 'internal error (request id 5f0c…)' } },
  SERVICE_UNAVAILABLE: {
    summary: 'Storage briefly unavailable, or authentication misconfigured (retriable)',
    error: { message: 'a storage object is temporarily unavailable; retry the request' },
  },
  REQUEST_TIMED_OUT: { summary: 'The operation timed out (retriable)', error: { message: 'request timed out' } },
}
