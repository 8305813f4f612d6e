/**
 * The Worker's side of `durable-objects/object-calls.ts`, the one module that makes stubs and maps the
 * errors of calls between objects: services import it from here.
 */
export {
  attempt,
  call,
  directoryStub,
  groupStub,
  metadataStub,
  monitorStub,
  partitionStub,
  quotaStub,
  toServiceError,
} from '../durable-objects/object-calls.js'
